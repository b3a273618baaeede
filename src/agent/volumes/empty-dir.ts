import { mkdir, rm } from 'node:fs/promises';
import { isMountPoint } from '../images/rootfs.ts';
import { runCommand } from '../../util/command.ts';

export interface EmptyDirOptions {
  /** `Memory` mounts a tmpfs; anything else is a plain directory on the node's disk. */
  medium?: string;
  /** tmpfs size for medium Memory (Kubernetes: the sizeLimit, else node allocatable memory). */
  sizeLimitBytes?: number;
  /** Directory mode; Kubernetes makes emptyDirs world-writable. */
  mode?: number;
}

/** Creates (or keeps) an emptyDir at `dir`. Idempotent: an existing volume keeps its content. */
export async function setUpEmptyDir(dir: string, opts: EmptyDirOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true, mode: opts.mode ?? 0o777 });
  if (opts.medium !== 'Memory' || (await isMountPoint(dir))) return;
  const options = [`mode=${(opts.mode ?? 0o777).toString(8)}`, 'nosuid', 'nodev'];
  if (opts.sizeLimitBytes) options.push(`size=${opts.sizeLimitBytes}`);
  await runCommand('mount', ['-t', 'tmpfs', '-o', options.join(','), 'tmpfs', dir]);
}

/** Unmounts (when tmpfs) and deletes a volume directory. Idempotent. */
export async function tearDownVolumeDir(dir: string): Promise<void> {
  if (await isMountPoint(dir)) await runCommand('umount', ['-l', dir]);
  await rm(dir, { recursive: true, force: true });
}
