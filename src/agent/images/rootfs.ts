import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../../util/command.ts';

/**
 * Mounts a container's root filesystem: overlayfs with the image layers (top first) as lower dirs
 * and a per-container upper/work dir under `containerDir`. Returns the mount point. Idempotent.
 */
export async function mountRootfs(containerDir: string, lowerDirs: readonly string[]): Promise<string> {
  const target = join(containerDir, 'rootfs');
  const upper = join(containerDir, 'upper');
  const work = join(containerDir, 'work');
  // Synchronous, as the container's other small files (conmon-runtime.ts): microseconds each.
  for (const d of [target, upper, work]) mkdirSync(d, { recursive: true });
  if (await isMountPoint(target)) return target;
  if (lowerDirs.length === 0) throw new Error('image has no layers');
  const options = `lowerdir=${lowerDirs.join(':')},upperdir=${upper},workdir=${work}`;
  await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', options, target]);
  return target;
}

/** Unmounts the rootfs if mounted (lazily, so a leftover process cannot block removal). */
export async function unmountRootfs(containerDir: string): Promise<void> {
  const target = join(containerDir, 'rootfs');
  if (await isMountPoint(target)) await runCommand('umount', ['-l', target]);
}

/**
 * True when `path` is itself a mount point in this process's mount namespace. The kernel writes
 * mountinfo as it is read, so it is read synchronously (no thread-pool round trip).
 */
export async function isMountPoint(path: string): Promise<boolean> {
  const info = readFileSync('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => unescapeMountPath(line.split(' ')[4] ?? '') === path);
}

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
