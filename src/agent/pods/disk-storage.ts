import type { Pod } from 'kubernetes-types/core/v1.js';
import { mkdir, open, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLogLine } from './log-tail.ts';
import {
  applyFsGroup,
  claimVolumePath,
  prepareHostPath,
  resolveSubPath,
  setUpEmptyDir,
  tearDownVolumeDir,
  writeVolumeFiles,
  type HostPathType,
} from '../volumes/index.ts';
import type { PodStorage, VolumeContext } from './pod-storage.ts';
import { VolumeError } from './pod-storage.ts';
import { parseQuantity } from '../../api/index.ts';
import { assertVolumesSupported, projectedFiles } from './volume-sources.ts';

const MAX_MESSAGE = 4096;
const TAIL_LINES = 80;
const TAIL_BYTES = 2048;

/**
 * Pod files under `<root>/<podUid>/`: `volumes/<name>/` (emptyDir, configMap, secret, downwardAPI,
 * projected) and `containers/<name>/<attempt>.termination-log`. hostPath volumes stay where they are.
 */
export class DiskPodStorage implements PodStorage {
  constructor(private readonly root: string) {}

  async setUpVolumes(pod: Pod, ctx: VolumeContext): Promise<Map<string, string>> {
    const uid = pod.metadata?.uid ?? '';
    const out = new Map<string, string>();
    assertVolumesSupported(pod);
    for (const vol of pod.spec?.volumes ?? []) {
      const dir = join(this.root, uid, 'volumes', vol.name);
      try {
        if (vol.hostPath) {
          await prepareHostPath(vol.hostPath.path, vol.hostPath.type as HostPathType | undefined);
          out.set(vol.name, vol.hostPath.path);
        } else if (vol.persistentVolumeClaim || vol.ephemeral) {
          const claim = vol.persistentVolumeClaim?.claimName ?? `${pod.metadata?.name ?? ''}-${vol.name}`;
          const path = await claimVolumePath(ctx.api, { namespace: pod.metadata?.namespace ?? 'default', claim, waitMs: ctx.claimWaitMs ?? 3_000 });
          const sc = pod.spec?.securityContext;
          if (sc?.fsGroup !== undefined) await applyFsGroup(path, sc.fsGroup, { policy: sc.fsGroupChangePolicy });
          out.set(vol.name, path);
        } else if (vol.emptyDir) {
          const size = vol.emptyDir.sizeLimit === undefined ? undefined : parseQuantity(vol.emptyDir.sizeLimit);
          await setUpEmptyDir(dir, { medium: vol.emptyDir.medium, sizeLimitBytes: size });
          out.set(vol.name, dir);
        } else {
          const { files, defaultMode } = await projectedFiles(pod, vol, ctx);
          await writeVolumeFiles(dir, files, { defaultMode });
          out.set(vol.name, dir);
        }
      } catch (e) {
        if (e instanceof VolumeError) throw e;
        throw new VolumeError(vol.name, e instanceof Error ? e.message : String(e));
      }
    }
    return out;
  }

  subPath(volumeDir: string, subPath: string): Promise<string> {
    return resolveSubPath(volumeDir, subPath);
  }

  async terminationLogPath(podUid: string, container: string, attempt: number): Promise<string> {
    const dir = join(this.root, podUid, 'containers', container);
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${attempt}.termination-log`);
    await writeFile(path, '', { mode: 0o666, flag: 'w' });
    return path;
  }

  async readTerminationMessage(path: string): Promise<string> {
    return readHead(path, MAX_MESSAGE);
  }

  async readLogTail(logPath: string): Promise<string> {
    const text = await readTail(logPath, 64 * 1024);
    const lines = text
      .split('\n')
      .filter((l) => l !== '')
      .map(parseLogLine);
    let out = '';
    for (const entry of lines.slice(-TAIL_LINES)) out += entry;
    return out.length > TAIL_BYTES ? out.slice(out.length - TAIL_BYTES) : out;
  }

  async tearDown(podUid: string): Promise<void> {
    const volumes = join(this.root, podUid, 'volumes');
    for (const v of await readdir(volumes).catch(() => [])) await tearDownVolumeDir(join(volumes, v));
    await rm(join(this.root, podUid), { recursive: true, force: true });
  }

  async listPods(): Promise<string[]> {
    return readdir(this.root).catch(() => []);
  }
}

async function readHead(path: string, max: number): Promise<string> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return '';
  try {
    const buf = Buffer.alloc(max);
    const { bytesRead } = await fh.read(buf, 0, max, 0);
    return buf.subarray(0, bytesRead).toString();
  } finally {
    await fh.close();
  }
}

async function readTail(path: string, max: number): Promise<string> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return '';
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - max);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const text = buf.toString();
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    await fh.close();
  }
}
