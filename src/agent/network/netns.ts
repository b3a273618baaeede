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

/** Unmounts and deletes a namespace file; a missing or unmounted file is fine. */
export async function removeNamespaceFile(path: string): Promise<void> {
  if (await isMountPoint(path)) await runCommand('umount', ['-l', path], { allowFailure: true });
  await rm(path, { force: true });
}
