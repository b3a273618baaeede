import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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

/** The namespaces a pod's containers share besides the network, and its /dev/shm. */
export interface SharedNamespaces {
  ipcnsPath: string;
  utsnsPath: string;
  shmPath: string;
}

/** Where a pod's shared namespaces live in `dir` (its sandbox dir, or a pool network's). */
export function sharedNamespacesIn(dir: string): SharedNamespaces {
  return { ipcnsPath: join(dir, 'ns-ipc'), utsnsPath: join(dir, 'ns-uts'), shmPath: join(dir, 'shm') };
}

/** Makes the IPC and UTS namespace files (one unshare; `hostname` set in the UTS one if given) and /dev/shm, side by side. Idempotent. */
export async function createSharedNamespaces(s: SharedNamespaces, shmBytes: number, hostname?: string): Promise<void> {
  await Promise.all([
    createNamespaceFiles(
      [
        { path: s.ipcnsPath, kind: 'ipc' },
        { path: s.utsnsPath, kind: 'uts' },
      ],
      hostname,
    ),
    mountShm(s.shmPath, shmBytes),
  ]);
}

/** Unmounts and deletes what createSharedNamespaces made; missing parts are fine. */
export async function removeSharedNamespaces(s: SharedNamespaces): Promise<void> {
  await removeNamespaceFile(s.ipcnsPath);
  await removeNamespaceFile(s.utsnsPath);
  if (await isMountPoint(s.shmPath)) await runCommand('umount', ['-l', s.shmPath]);
}
