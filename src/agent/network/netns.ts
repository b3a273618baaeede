import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runCommand } from '../../util/command.ts';
import { isMountPoint } from '../images/rootfs.ts';

export type NamespaceKind = 'net' | 'ipc' | 'uts';

/**
 * Creates a persistent namespace of `kind`, held by an nsfs bind mount at `path` (no process needs
 * to stay in it). For `uts`, `hostname` is set inside the new namespace. Idempotent.
 */
export async function createNamespaceFile(path: string, kind: NamespaceKind, hostname?: string): Promise<void> {
  if (await isMountPoint(path)) return;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, '');
  const program = kind === 'uts' && hostname ? ['hostname', hostname] : ['true'];
  await runCommand('unshare', [`--${kind}=${path}`, ...program]);
}

/**
 * createNamespaceFile for several kinds with one `unshare` (one process instead of one per kind:
 * on a busy node each process start costs tens of ms). Idempotent per file.
 */
export async function createNamespaceFiles(files: readonly { path: string; kind: NamespaceKind }[], hostname?: string): Promise<void> {
  const missing: { path: string; kind: NamespaceKind }[] = [];
  for (const f of files) if (!(await isMountPoint(f.path))) missing.push(f);
  if (missing.length === 0) return;
  for (const f of missing) {
    await mkdir(dirname(f.path), { recursive: true });
    await writeFile(f.path, '');
  }
  const program = hostname && missing.some((f) => f.kind === 'uts') ? ['hostname', hostname] : ['true'];
  await runCommand('unshare', [...missing.map((f) => `--${f.kind}=${f.path}`), ...program]);
}

/** Unmounts and deletes a namespace file; a missing or unmounted file is fine. */
export async function removeNamespaceFile(path: string): Promise<void> {
  if (await isMountPoint(path)) await runCommand('umount', ['-l', path], { allowFailure: true });
  await rm(path, { force: true });
}

/** /dev/shm of a pod when nothing asks for another size (as Docker and containerd: 64 MiB). */
export const DEFAULT_SHM_BYTES = 64 * 1024 * 1024;

/** Mounts a pod's /dev/shm tmpfs at `path`. Idempotent. */
export async function mountShm(path: string, sizeBytes: number): Promise<void> {
  await mkdir(path, { recursive: true });
  if (await isMountPoint(path)) return;
  await runCommand('mount', ['-t', 'tmpfs', '-o', `mode=1777,nosuid,nodev,noexec,size=${sizeBytes}`, 'shm', path]);
}
