// Scheduler throughput on hollow nodes: a real `peapod server` (scheduler in it) and N hollow
// nodes; P pods created through the API in a burst. Measured from the first create sent: pods/s
// to bound and to Running (both seen on a watch of our own, as a user sees them), and per-pod
// create → bound latency (the scheduler's queueing plus cycle plus bind, seen from outside; the
// cycle alone is bench/scheduler). Usage: npx tsx bench/scale/scheduler-throughput.ts [--quick]
// [--nodes N] [--pods P] [--concurrency C] [--server-cpu-prof DIR] [--backend sqlite,etcd]
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { resources, type Client } from '../../src/client/index.ts';
import {
  anchors,
  createProgress,
  lineChart,
  OUT_DIR,
  parseBackends,
  parseBenchArgs,
  readProcStats,
  runBench,
  runOnBackends,
  summarize,
  writePng,
  type BackendName,
  type Figure,
} from '../lib/index.ts';
import { pool, startCluster } from './cluster.ts';

const args = parseBenchArgs(['nodes', 'pods', 'concurrency', 'server-cpu-prof', 'backend']);
const backends = parseBackends(args.values.backend);
const NODES = Number(args.values.nodes ?? (args.quick ? 20 : 1000));
const PODS = Number(args.values.pods ?? (args.quick ? 200 : 10_000));
const CONCURRENCY = Number(args.values.concurrency ?? 32);
const BENCH = 'scale-scheduler';
const progress = createProgress({ label: BENCH });

function pod(i: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `burst-${i}`, namespace: 'default', labels: { app: `app-${i % 10}` } },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  };
}

async function main(backend: BackendName, serverArgs: string[]): Promise<Figure[]> {
  const profDir = args.values['server-cpu-prof'];
  const cluster = await startCluster({
    nodes: NODES,
    progress,
    spreadSeconds: args.quick ? 1 : 10,
    serverArgs,
    serverNodeArgs: typeof profDir === 'string' ? ['--cpu-prof', '--cpu-prof-dir', profDir] : undefined,
  });
  const { client } = cluster;
  const abort = new AbortController();
  try {
    const sentAt = new Map<string, number>();
    const bound: number[] = [];
    const running: number[] = [];
    const seenBound = new Set<string>();
    const seenRunning = new Set<string>();
    const timeline: Array<[number, number]> = [];
    const runTimeline: Array<[number, number]> = [];
    let t0 = 0;
    let lastBound = 0;
    let lastRunning = 0;
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const list = await client.list(resources.pods, 'default', { limit: 1 });
    const watch = client.watch<Pod>(
      resources.pods,
      'default',
      { resourceVersion: list.metadata?.resourceVersion, signal: abort.signal, timeoutSeconds: 3600 },
      (ev) => {
        const p = ev.object as Pod;
        const name = p.metadata?.name ?? '';
        const sent = sentAt.get(name);
        if (sent === undefined || ev.type === 'DELETED') return;
        const now = performance.now();
        if (p.spec?.nodeName && !seenBound.has(name)) {
          seenBound.add(name);
          bound.push(now - sent);
          lastBound = now;
          timeline.push([(now - t0) / 1000, bound.length]);
        }
        if (p.status?.phase === 'Running' && !seenRunning.has(name)) {
          seenRunning.add(name);
          running.push(now - sent);
          lastRunning = now;
          runTimeline.push([(now - t0) / 1000, running.length]);
          progress.update(running.length);
          if (running.length === PODS) finish();
        }
      },
    );
    progress.phase(`create ${PODS} pods on ${NODES} hollow nodes (concurrency ${CONCURRENCY}), wait for Running`, PODS);
    t0 = performance.now();
    const cpu0 = readProcStats(cluster.server.pid).cpuSeconds;
    await pool(PODS, CONCURRENCY, async (i) => {
      const p = pod(i);
      sentAt.set(p.metadata!.name!, performance.now());
      await client.create(resources.pods, 'default', p);
    });
    const createdAll = performance.now();
    // Server CPU per pod from first create to last bound: what one server core can sustain
    // (1000 / ms per pod = pods/s), far less sensitive to a shared machine's load than a rate.
    let cpuAtLastBound = Number.NaN;
    const sampleCpu = setInterval(() => {
      if (bound.length === PODS && Number.isNaN(cpuAtLastBound)) cpuAtLastBound = readProcStats(cluster.server.pid).cpuSeconds;
    }, 100);
    await done;
    clearInterval(sampleCpu);
    if (Number.isNaN(cpuAtLastBound)) cpuAtLastBound = readProcStats(cluster.server.pid).cpuSeconds;
    progress.end();
    abort.abort();
    await Promise.allSettled([watch]);
    const events = await settledEventCount(cluster.client);
    const b = summarize(bound);
    const r = summarize(running);
    const every = (pts: Array<[number, number]>): Array<[number, number]> => pts.filter((_, i) => i % Math.max(1, Math.floor(PODS / 500)) === 0);
    writePng(
      join(OUT_DIR, backend === 'sqlite' ? `${BENCH}.png` : `${BENCH}-${backend}.png`),
      lineChart({
        title: `Pods bound and Running (${PODS} pods, ${NODES} hollow nodes, ${backend})`,
        yLabel: 'pods',
        xLabel: 'seconds since first create',
        series: [
          { name: 'bound', points: every(timeline) },
          { name: 'Running', points: every(runTimeline) },
        ],
      }),
    );
    const f = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({ bench: BENCH, name, value, unit, ...extra });
    return [
      f(`pods/s, create → bound (${PODS} pods, ${NODES} nodes)`, PODS / ((lastBound - t0) / 1000), 'pods/s', { anchor: anchors.SCHEDULER_PODS_PER_SECOND }),
      f(`pods/s, create → Running`, PODS / ((lastRunning - t0) / 1000), 'pods/s'),
      f(`pod create rate (client, concurrency ${CONCURRENCY})`, PODS / ((createdAll - t0) / 1000), 'pods/s'),
      f('server CPU per pod, first create → last bound', ((cpuAtLastBound - cpu0) * 1000) / PODS, 'ms'),
      f('create → bound p50 (scheduler latency seen from outside)', b.p50, 'ms'),
      f('create → bound p99', b.p99, 'ms'),
      f('create → Running p50', r.p50, 'ms'),
      f('create → Running p99 (pod startup)', r.p99, 'ms', { anchor: anchors.SLO_POD_STARTUP_P99 }),
      f('hollow nodes join → Ready', cluster.joinSeconds, 's', { detail: true }),
      f('Event objects stored after the burst (all namespaces)', events.objects, 'objects', { detail: true }),
      f('event occurrences they record (sum of count)', events.occurrences, 'events', { detail: true }),
    ];
  } finally {
    abort.abort();
    await cluster.stop();
  }
}

/** Events stored once the components' recorders went quiet (two equal counts 1 s apart, at most 30 s). */
async function settledEventCount(client: Client): Promise<{ objects: number; occurrences: number }> {
  let last = { objects: -1, occurrences: -1 };
  for (let i = 0; i < 30; i++) {
    const list = await client.list<Event>(resources.events, undefined, {});
    const now = { objects: list.items.length, occurrences: list.items.reduce((n, e) => n + (e.count ?? 1), 0) };
    if (now.objects === last.objects && now.occurrences === last.occurrences) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return last;
}

await runBench(BENCH, () => runOnBackends(backends, main));
