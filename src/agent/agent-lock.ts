import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processExists } from '../util/index.ts';

// Synchronous on purpose: these run inside an AbortSignal listener while `peapod server` shuts
// down, and the process exits right after the abort returns.

/**
 * One agent per state dir: two would adopt and remove each other's containers. The pid file holds
 * the owner (our own pid too: release removes the file, so it names a live agent of this process);
 * a file whose pid is dead (a crashed run) is taken over. Returns the release function.
 */
export async function acquireStateLock(pidFile: string): Promise<() => void> {
  const pid = Number(readText(pidFile));
  if (Number.isInteger(pid) && pid > 0 && processExists(pid)) {
    throw new Error(`another agent (pid ${pid}) is using ${pidFile.replace(/\/agent\.pid$/, '')}`);
  }
  writeFileSync(pidFile, `${process.pid}\n`);
  return () => {
    if (Number(readText(pidFile)) === process.pid) rmSync(pidFile, { force: true });
  };
}

export interface IdleResources {
  /** The runtime's pods dir: empty = no sandbox left. */
  podsDir: string;
  /** The network state dir (IPAM leases), removed with the bridge. */
  netDir: string;
  bridge: string;
  cgroupParent: string;
}

/**
 * At agent shutdown with no pod sandbox left, removes what only pods need: the bridge (the CNI
 * plugin creates it but never deletes it), the network state and the empty cgroup parent. With
 * pods left everything stays: their containers keep running and the next start adopts them.
 */
export function releaseIfIdle(r: IdleResources): void {
  if (listDir(r.podsDir).length > 0) return;
  spawnSync('ip', ['link', 'del', r.bridge], { stdio: 'ignore' });
  rmSync(r.netDir, { recursive: true, force: true });
  for (const h of listDir('/sys/fs/cgroup')) {
    try {
      rmdirSync(join('/sys/fs/cgroup', h, r.cgroupParent));
    } catch {
      // absent, or not empty: leave it
    }
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
