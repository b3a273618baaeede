// Builds kubelet's Summary (stats/v1alpha1, CPU and memory) for this node on demand: one reading
// per node, pod and running container from the usage source, rates from the previous scrape
// (RateTracker). Nothing runs between scrapes, so an idle node pays nothing; the window of a rate
// is the time between two scrapes (the API server caches, so scrapes are at least seconds apart).
import { uptime } from 'node:os';
import { rfc3339 } from '../../api/time.ts';
import type { ContainerRef, CpuStats, MemoryStats, PodRef, PodStats, Summary, UsageReading, UsageSource } from './types.ts';
import { RateTracker } from './rate-tracker.ts';

export interface StatsProviderOptions {
  nodeName: string;
  source: UsageSource;
  /** Pod sandboxes on this node. */
  pods: () => Promise<readonly PodRef[]>;
  /** Running containers on this node. */
  containers: () => Promise<readonly ContainerRef[]>;
  now?: () => number;
  /** When the node started (ms); default the machine's boot time. */
  nodeStartMs?: number;
  minWindowMs?: number;
}

export interface StatsProvider {
  summary(): Promise<Summary>;
}

export function createStatsProvider(opts: StatsProviderOptions): StatsProvider {
  const now = opts.now ?? Date.now;
  const rates = new RateTracker({ minWindowMs: opts.minWindowMs });
  const nodeStart = opts.nodeStartMs ?? Date.now() - uptime() * 1000;
  // Scrapes arriving together share one reading instead of racing on the rate tracker.
  let inflight: Promise<Summary> | undefined;

  const cpu = (key: string, r: UsageReading, t: number, startMs: number): CpuStats => {
    const rate = rates.observe(key, r.cpuNs, t, startMs);
    return { time: iso(t), usageCoreNanoSeconds: Math.round(r.cpuNs), ...(rate === undefined ? {} : { usageNanoCores: Math.round(rate) }) };
  };
  const memory = (r: UsageReading, t: number): MemoryStats => ({
    time: iso(t),
    ...(r.availableBytes === undefined ? {} : { availableBytes: r.availableBytes }),
    usageBytes: r.usageBytes,
    workingSetBytes: r.workingSetBytes,
    ...(r.rssBytes === undefined ? {} : { rssBytes: r.rssBytes }),
  });

  async function build(): Promise<Summary> {
    const t = now();
    const [pods, containers, nodeReading] = await Promise.all([opts.pods(), opts.containers(), opts.source.node(t)]);
    const byPod = new Map<string, ContainerRef[]>();
    for (const c of containers) byPod.set(c.podUid, [...(byPod.get(c.podUid) ?? []), c]);
    const podStats = await Promise.all(
      pods.map(async (p): Promise<PodStats | undefined> => {
        const own = byPod.get(p.uid) ?? [];
        if (own.length === 0) return undefined;
        const [podReading, ...readings] = await Promise.all([opts.source.pod(p, own, t), ...own.map((c) => opts.source.container(c, t))]);
        const cs = own.flatMap((c, i) => {
          const r = readings[i];
          if (!r) return [];
          const start = Date.parse(c.startedAt);
          return [{ name: c.name, startTime: iso(start), cpu: cpu(`c/${c.id}`, r, t, start), memory: memory(r, t) }];
        });
        const start = Date.parse(p.createdAt);
        return {
          podRef: { name: p.name, namespace: p.namespace, uid: p.uid },
          startTime: iso(start),
          containers: cs,
          ...(podReading ? { cpu: cpu(`p/${p.uid}`, podReading, t, start), memory: memory(podReading, t) } : {}),
        };
      }),
    );
    rates.forget(t);
    return {
      node: {
        nodeName: opts.nodeName,
        startTime: iso(nodeStart),
        ...(nodeReading ? { cpu: cpu('node', nodeReading, t, nodeStart), memory: memory(nodeReading, t) } : {}),
      },
      pods: podStats.filter((p): p is PodStats => p !== undefined),
    };
  }

  return {
    summary() {
      inflight ??= build().finally(() => (inflight = undefined));
      return inflight;
    },
  };
}

/** A sample time on the wire; a reading without a valid time shows as the epoch. */
function iso(ms: number): string {
  return rfc3339(Number.isFinite(ms) ? ms : 0);
}
