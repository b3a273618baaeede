import { existsSync, readFileSync } from 'node:fs';
import { runCommand } from '../../util/command.ts';

export type OciRuntimeName = 'runc' | 'crun';
export type OciRuntimePreference = OciRuntimeName | 'auto';

export interface OciRuntimeBinary {
  name: OciRuntimeName;
  path: string;
  /** `1.1.5` */
  version: string;
}

const CANDIDATES: Record<OciRuntimeName, string[]> = {
  runc: ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'],
  crun: ['/usr/bin/crun', '/usr/local/bin/crun', '/usr/sbin/crun'],
};

/**
 * crun refuses hybrid cgroup hosts whose cgroup2 mount still has controllers ("cgroups in hybrid
 * mode not supported, drop all controllers from cgroupv2"); runc works everywhere. crun is usable
 * on pure cgroup v2, pure v1, or hybrid with an empty `unified/cgroup.controllers`.
 */
export function crunUsable(cgroupRoot = '/sys/fs/cgroup'): boolean {
  if (existsSync(`${cgroupRoot}/cgroup.controllers`)) return true;
  const unified = `${cgroupRoot}/unified/cgroup.controllers`;
  if (!existsSync(unified)) return true;
  return readFileSync(unified, 'utf8').trim() === '';
}

function findBinary(name: OciRuntimeName): string | undefined {
  return CANDIDATES[name].find((p) => existsSync(p));
}

/** Picks the OCI runtime: a forced one must exist; `auto` prefers crun when the host allows it. */
export async function selectOciRuntime(pref: OciRuntimePreference = 'auto'): Promise<OciRuntimeBinary> {
  let name: OciRuntimeName;
  if (pref === 'auto') name = findBinary('crun') && crunUsable() ? 'crun' : 'runc';
  else name = pref;
  const path = findBinary(name);
  if (!path) throw new Error(`OCI runtime ${name} not found (looked in ${CANDIDATES[name].join(', ')})`);
  const { stdout } = await runCommand(path, ['--version']);
  const version = /version\s+([0-9][^\s+~]*)/.exec(stdout)?.[1] ?? 'unknown';
  return { name, path, version };
}
