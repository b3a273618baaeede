import { readFile, statfs } from 'node:fs/promises';
import type { Pressure } from './node-status.ts';

/** kubelet's default hard eviction thresholds: memory.available<100Mi, nodefs.available<10%. */
export const MEMORY_AVAILABLE_MIN_BYTES = 100 * 1024 * 1024;
export const NODEFS_AVAILABLE_MIN_RATIO = 0.1;
/** pid.available below 5% of pid_max (kubelet has no default; this keeps the condition meaningful). */
export const PID_AVAILABLE_MIN_RATIO = 0.05;

/**
 * The node's pressure conditions read from the machine (MemAvailable, the data dir's filesystem,
 * running tasks vs pid_max). A file that cannot be read counts as no pressure: the conditions are
 * advisory and must not flap on a transient read error.
 */
export async function readPressure(dataDir: string): Promise<Pressure> {
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const availKb = Number(/^MemAvailable:\s+(\d+)/m.exec(meminfo)?.[1] ?? NaN);
  const memory = Number.isFinite(availKb) && availKb * 1024 < MEMORY_AVAILABLE_MIN_BYTES;
  const fs = await statfs(dataDir).catch(() => undefined);
  const disk = fs !== undefined && fs.blocks > 0 && fs.bavail / fs.blocks < NODEFS_AVAILABLE_MIN_RATIO;
  const pidMax = Number((await readFile('/proc/sys/kernel/pid_max', 'utf8').catch(() => '')).trim());
  const tasks = Number((await readFile('/proc/loadavg', 'utf8').catch(() => '')).split(' ')[3]?.split('/')[1] ?? NaN);
  const pid = Number.isFinite(pidMax) && pidMax > 0 && Number.isFinite(tasks) && (pidMax - tasks) / pidMax < PID_AVAILABLE_MIN_RATIO;
  return { memory, disk, pid };
}
