// The machine has one dev-cluster slot: a lock file names the process holding it, and a state file
// records who owns the ppdc-* names right now (pid, data dir, server pids), so a later run or a
// sweep knows what a crashed run left.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { processExists } from '../util/index.ts';

/** Who owns the ppdc-* names right now (pid, data dir, server pid). */
export const STATE_FILE = '/run/peapod-dev-cluster.json';
export const LOCK_FILE = '/run/peapod-dev-cluster.lock';

export interface StateRecord {
  pid: number;
  dataDir: string;
  serverPid?: number;
  /** Further API servers (--servers N). */
  serverPids?: number[];
}

/**
 * Takes the machine's one dev-cluster slot: an exclusive lock file naming this process, created
 * atomically so two processes starting at once cannot both win; a lock whose process is dead is
 * stale and removed. Re-entrant for the process that holds it (one test file, several clusters).
 */
export async function claimMachine(opts: { ifRunning?: 'wait' | 'fail'; waitMs?: number }): Promise<void> {
  const end = Date.now() + (opts.waitMs ?? 30 * 60_000);
  for (;;) {
    try {
      await writeFile(LOCK_FILE, String(process.pid), { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(await readFile(LOCK_FILE, 'utf8').catch(() => '0'));
    if (holder === process.pid) return;
    if (!holder || !processExists(holder)) {
      await rm(LOCK_FILE, { force: true });
      continue;
    }
    if (opts.ifRunning === 'fail' || Date.now() > end) {
      const owner = await readState();
      throw new Error(`a dev cluster is already running (pid ${holder}${owner ? `, data dir ${owner.dataDir}` : ''})`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function readState(): Promise<StateRecord | undefined> {
  try {
    return JSON.parse(await readFile(STATE_FILE, 'utf8')) as StateRecord;
  } catch {
    return undefined;
  }
}
