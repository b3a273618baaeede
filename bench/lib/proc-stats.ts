// Memory and CPU of another process from /proc (Linux).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcStats {
  /** Resident set size now, bytes. */
  readonly rssBytes: number;
  /** Peak resident set size (VmHWM), bytes. */
  readonly peakRssBytes: number;
  /** User + system CPU time consumed so far, seconds. */
  readonly cpuSeconds: number;
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export function readProcStats(pid: number): ProcStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  // /proc/pid/stat: the command name (field 2) may contain spaces, so split after its ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]); // field 14 overall
  const stime = Number(fields[12]); // field 15 overall
  return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM'), cpuSeconds: (utime + stime) / ticksPerSecond() };
}

export const MB = 1024 * 1024;
