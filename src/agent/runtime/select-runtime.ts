import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../util/command.ts';

export type OciRuntimeName = 'runc' | 'crun';
export type OciRuntimePreference = OciRuntimeName | 'auto';

export interface OciRuntimeBinary {
  name: OciRuntimeName;
  path: string;
  /** `1.1.5` */
  version: string;
  /**
   * What conmon runs to create containers: the binary, or on a hybrid cgroup host crun's wrapper
   * (see hybridCrunWrapper). Only `create` enters cgroups; start, state, kill, exec and delete of
   * such a container work with the binary itself.
   */
  createPath: string;
}

const CANDIDATES: Record<OciRuntimeName, string[]> = {
  runc: ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'],
  crun: ['/usr/bin/crun', '/usr/local/bin/crun', '/usr/sbin/crun'],
};

/**
 * crun refuses hybrid cgroup hosts whose cgroup2 mount still has controllers ("cgroups in hybrid
 * mode not supported, drop all controllers from cgroupv2"); runc works everywhere. crun is usable
 * as is on pure cgroup v2, pure v1, or hybrid with an empty `unified/cgroup.controllers`; on other
 * hybrid hosts it runs through the wrapper below.
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

const UNSHARE = ['/usr/bin/unshare', '/bin/unshare'];

/**
 * Picks the OCI runtime: a forced one must exist; `auto` prefers crun (about twice as fast as runc
 * to create and start a container). On a hybrid host whose cgroup2 mount holds a controller (here:
 * hugetlb) crun runs through a wrapper when `wrapperDir` is given: see hybridCrunWrapper. Without
 * `wrapperDir` (preflight) the choice is only checked, nothing is written.
 */
export async function selectOciRuntime(pref: OciRuntimePreference = 'auto', wrapperDir?: string): Promise<OciRuntimeBinary> {
  const crunNeedsWrapper = !crunUsable();
  const unshare = UNSHARE.find((p) => existsSync(p));
  let name: OciRuntimeName;
  if (pref === 'auto') name = findBinary('crun') && (!crunNeedsWrapper || unshare) ? 'crun' : 'runc';
  else name = pref;
  const path = findBinary(name);
  if (!path) throw new Error(`OCI runtime ${name} not found (looked in ${CANDIDATES[name].join(', ')})`);
  if (name === 'crun' && crunNeedsWrapper && !unshare) throw new Error('crun on this hybrid cgroup host needs unshare (Debian package util-linux)');
  const { stdout } = await runCommand(path, ['--version']);
  const version = /version\s+([0-9][^\s+~]*)/.exec(stdout)?.[1] ?? 'unknown';
  if (name !== 'crun' || !crunNeedsWrapper || !wrapperDir || !unshare) return { name, path, version, createPath: path };
  return { name, path, version, createPath: await hybridCrunWrapper(wrapperDir, { crun: path, unshare }) };
}

const HYBRID_CRUN_WRAPPER = 'crun-hybrid';
const PERL = '/usr/bin/perl';

/** unshare, mount and umount2 syscall numbers, for the architectures whose numbers we know. */
const SYSCALLS: Partial<Record<NodeJS.Architecture, { unshare: number; mount: number; umount2: number }>> = {
  x64: { unshare: 272, mount: 165, umount2: 166 },
  arm64: { unshare: 97, mount: 40, umount2: 39 },
};

/**
 * Writes `<dir>/crun-hybrid`: runs crun in a private mount namespace without the cgroup2 mount
 * (`/sys/fs/cgroup/unified`), so crun sees a plain cgroup v1 host and places containers in the v1
 * hierarchies only (what runc does too, apart from the hugetlb-only cgroup2 tree). Nothing on the
 * host changes: the unmount happens in a namespace that lives as long as that crun process (the
 * container gets its own mount namespace, copied from it, and pivots away from it). Only conmon's
 * `create` goes through it (the one call that enters cgroups).
 *
 * Where the syscall numbers are known it is a Perl script (perl-base is Essential on Debian): one
 * exec that makes the three syscalls and execs crun. Otherwise a shell script with unshare(1) and
 * umount(8): four execs, which measured 14 ms per create against the Perl script's 10 (crun alone
 * 7), paid by every container.
 */
export async function hybridCrunWrapper(dir: string, bins: { crun: string; unshare: string }): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, HYBRID_CRUN_WRAPPER);
  const nr = SYSCALLS[process.arch];
  const header = "# Written by the peapod agent (src/agent/runtime/select-runtime.ts): crun with the hybrid host's cgroup2 mount hidden.";
  const script =
    nr && existsSync(PERL)
      ? [
          `#!${PERL}`,
          header,
          '# unshare(CLONE_NEWNS); mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL); umount2(unified, MNT_DETACH); exec crun.',
          'my ($root, $unified) = ("/", "/sys/fs/cgroup/unified");',
          `syscall(${nr.unshare}, 0x20000) == 0 or die "crun-hybrid: unshare: $!\\n";`,
          `syscall(${nr.mount}, 0, $root, 0, 0x44000, 0) == 0 or die "crun-hybrid: mount: $!\\n";`,
          `syscall(${nr.umount2}, $unified, 2);`,
          `exec { "${bins.crun}" } "${bins.crun}", @ARGV or die "crun-hybrid: exec ${bins.crun}: $!\\n";`,
          '',
        ]
      : [
          '#!/bin/sh',
          header,
          `exec ${bins.unshare} --mount --propagation private -- /bin/sh -c 'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"' ${bins.crun} "$@"`,
          '',
        ];
  await writeFile(path, script.join('\n'));
  await chmod(path, 0o755);
  return path;
}
