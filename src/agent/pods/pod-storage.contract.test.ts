import { after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HollowPodStorage } from '../hollow/index.ts';
import { DiskPodStorage } from './disk-storage.ts';
import { describePodStorage } from './pod-storage.contract.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describePodStorage('disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'peapod-pod-storage-'));
  dirs.push(dir);
  return new DiskPodStorage(dir);
});
describePodStorage('hollow', async () => new HollowPodStorage());
