import { existsSync } from 'node:fs';
import { HOST_BUSYBOX } from './images/busybox.ts';
import { selectOciRuntime, type OciRuntimePreference } from './runtime/index.ts';

const CONMON = '/usr/bin/conmon';
const CNI_DIR = '/usr/lib/cni';
const CNI_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'];

/**
 * What keeps the conmon runtime from running pods on this host, as sentences for a user (empty =
 * ready). Checked before anything is created, so a server started without root or without the
 * Debian packages can still serve the API with its agent disabled.
 */
export async function conmonPreflight(ociRuntime: OciRuntimePreference = 'auto'): Promise<string[]> {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push(`running pods needs root (running as uid ${process.getuid?.() ?? '?'})`);
  if (!existsSync(CONMON)) problems.push(`conmon is missing (${CONMON}; Debian package conmon)`);
  try {
    await selectOciRuntime(ociRuntime);
  } catch (e) {
    problems.push(`${e instanceof Error ? e.message : String(e)} (Debian package runc or crun)`);
  }
  const missing = CNI_PLUGINS.filter((p) => !existsSync(`${CNI_DIR}/${p}`));
  if (missing.length) problems.push(`CNI plugins missing in ${CNI_DIR}: ${missing.join(', ')} (Debian package containernetworking-plugins)`);
  if (!existsSync(HOST_BUSYBOX)) problems.push(`${HOST_BUSYBOX} is missing, needed for the built-in busybox image (Debian package busybox-static)`);
  return problems;
}
