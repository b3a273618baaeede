// Simulated usage for hollow nodes (no processes, no cgroups), so `kubectl top`, the HPA and scale
// benchmarks have figures to work with. Each container uses a steady amount: the pod annotations
// `peapod.dev/hollow-cpu-millicores` and `peapod.dev/hollow-memory-bytes` (copied into container
// labels by the pod workers, optionally suffixed `.<container>` like the other hollow knobs), else
// a small amount derived from the container's id so figures differ between pods. The cumulative
// CPU counter is that rate times the time since the container started, which is what a real
// cgroup would show for a steady load.
import { createHash } from 'node:crypto';
import type { ContainerRef, UsageReading, UsageSource } from './types.ts';

export const HOLLOW_CPU_MILLICORES = 'peapod.dev/hollow-cpu-millicores';
export const HOLLOW_MEMORY_BYTES = 'peapod.dev/hollow-memory-bytes';

/** What every hollow node claims to use beside its pods (system daemons). */
const NODE_BASE_MILLI = 50;
const NODE_BASE_BYTES = 256 * 1024 * 1024;

function label(c: ContainerRef, key: string): number | undefined {
  const v = c.labels[`${key}.${c.name}`] ?? c.labels[key];
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function seed(id: string): number {
  return createHash('sha1').update(id).digest().readUInt32BE(0);
}

/** The steady usage a hollow container simulates: millicores and working-set bytes. */
export function hollowUsage(c: ContainerRef): { milli: number; bytes: number } {
  const s = seed(c.id);
  return {
    milli: label(c, HOLLOW_CPU_MILLICORES) ?? 1 + (s % 20),
    bytes: label(c, HOLLOW_MEMORY_BYTES) ?? (4 + ((s >>> 8) % 28)) * 1024 * 1024,
  };
}

function reading(milli: number, bytes: number, seconds: number): UsageReading {
  return { cpuNs: milli * 1e6 * Math.max(0, seconds), workingSetBytes: bytes, usageBytes: bytes, rssBytes: bytes };
}

/** `containers()` lists the node's running containers (the hollow runtime's). */
export function hollowUsageSource(opts: { containers: () => Promise<readonly ContainerRef[]>; startMs: number }): UsageSource {
  const elapsed = (startedAt: string, now: number): number => (now - Date.parse(startedAt)) / 1000;
  return {
    async node(now) {
      // The node counter runs at the base rate since start plus each running container's share.
      let cpuNs = reading(NODE_BASE_MILLI, 0, (now - opts.startMs) / 1000).cpuNs;
      let bytes = NODE_BASE_BYTES;
      for (const c of await opts.containers()) {
        const u = hollowUsage(c);
        cpuNs += reading(u.milli, 0, elapsed(c.startedAt, now)).cpuNs;
        bytes += u.bytes;
      }
      return { cpuNs, workingSetBytes: bytes, usageBytes: bytes, availableBytes: undefined };
    },
    async pod(_pod, containers, now) {
      let cpuNs = 0;
      let bytes = 0;
      for (const c of containers) {
        const r = reading(hollowUsage(c).milli, hollowUsage(c).bytes, elapsed(c.startedAt, now));
        cpuNs += r.cpuNs;
        bytes += r.workingSetBytes;
      }
      return { cpuNs, workingSetBytes: bytes, usageBytes: bytes };
    },
    async container(c, now) {
      const u = hollowUsage(c);
      return reading(u.milli, u.bytes, elapsed(c.startedAt, now));
    },
  };
}
