// Scheduler throughput: N Node objects and M pods created through the API of a real `peapod server`
// (started with --disable scheduler); the scheduler runs in this process against that server, with
// the same code the server component runs (startSchedulerService), so its cycle timings are read
// directly. Pods/s is measured from the first pod create sent to the last bind seen on a separate
// watch. Usage: npx tsx bench/scheduler/scheduler-bench.ts [--quick] [--nodes N] [--pods M]
// [--concurrency C] [--server-cpu-prof DIR]
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { join } from 'node:path';
import { createClient, resources, type Client } from '../../src/client/index.ts';
import { startSchedulerService } from '../../src/scheduler/index.ts';
import { anchors, createProgress, launchServer, lineChart, OUT_DIR, parseBenchArgs, runBench, summarize, writePng, type Figure } from '../lib/index.ts';

const args = parseBenchArgs(['nodes', 'pods', 'concurrency', 'server-cpu-prof']);
const NODES = Number(args.values.nodes ?? (args.quick ? 100 : 1000));
const PODS = Number(args.values.pods ?? (args.quick ? 1000 : 10_000));
const CONCURRENCY = Number(args.values.concurrency ?? 32);
const BENCH = 'scheduler';
const progress = createProgress({ label: BENCH });

function node(i: number): Node {
  const res = { cpu: '32', memory: '128Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
    status: { capacity: res, allocatable: res, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function pod(i: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: 'default', labels: { app: `app-${i % 10}` } },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
}

/** Runs `fn(i)` for i in [0, n) with `concurrency` calls in flight. */
async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function main(): Promise<Figure[]> {
  // --server-cpu-prof <dir>: the server writes a V8 CPU profile there when it stops.
  const profDir = args.values['server-cpu-prof'];
  const nodeArgs = typeof profDir === 'string' ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const server = await launchServer({ args: ['--disable', 'scheduler'], nodeArgs });
  const client: Client = createClient({ server: server.url, token: server.token, ca: server.caPem, userAgent: 'scheduler-bench' });
  const abort = new AbortController();
  try {
    progress.phase(`create ${NODES} nodes`, NODES);
    let made = 0;
    await pool(NODES, CONCURRENCY, async (i) => {
      await client.create(resources.nodes, undefined, node(i));
      progress.update(++made);
    });
    progress.end();

    const cycles: number[] = [];
    const results = { scheduled: 0, unschedulable: 0, error: 0 };
    const svc = await startSchedulerService(createClient({ server: server.url, token: server.token, ca: server.caPem, userAgent: 'peapod-scheduler' }), {
      signal: abort.signal,
      observeCycle: (ms, r) => {
        cycles.push(ms);
        results[r]++;
      },
    });

    // Binds observed on a watch of their own, as a user would see them.
    const sentAt = new Map<string, number>();
    const e2e: number[] = [];
    const boundTimeline: Array<[number, number]> = [];
    let t0 = 0;
    let lastBound = 0;
    let allBound!: () => void;
    const done = new Promise<void>((r) => (allBound = r));
    const list = await client.list(resources.pods, 'default', { limit: 1 });
    const watch = client.watch<Pod>(
      resources.pods,
      'default',
      { resourceVersion: list.metadata?.resourceVersion, signal: abort.signal, timeoutSeconds: 3600 },
      (ev) => {
        const name = (ev.object as Pod).metadata?.name ?? '';
        if (ev.type !== 'MODIFIED' || !ev.object.spec?.nodeName || !sentAt.has(name)) return;
        const now = performance.now();
        e2e.push(now - sentAt.get(name)!);
        sentAt.delete(name);
        lastBound = now;
        boundTimeline.push([(now - t0) / 1000, e2e.length]);
        progress.update(e2e.length);
        if (e2e.length === PODS) allBound();
      },
    );

    progress.phase(`create ${PODS} pods (concurrency ${CONCURRENCY}) and wait for binds`, PODS);
    t0 = performance.now();
    let createdAll = 0;
    await pool(PODS, CONCURRENCY, async (i) => {
      const p = pod(i);
      sentAt.set(p.metadata!.name!, performance.now());
      await client.create(resources.pods, 'default', p);
    });
    createdAll = performance.now();
    await done;
    progress.end();
    abort.abort();
    await Promise.allSettled([watch, svc.done]);

    const seconds = (lastBound - t0) / 1000;
    const cyc = summarize(cycles);
    const lat = summarize(e2e);
    progress.note(
      `cycles: ${results.scheduled} scheduled, ${results.unschedulable} unschedulable, ${results.error} errors; creates took ${((createdAll - t0) / 1000).toFixed(1)} s (${Math.round(PODS / ((createdAll - t0) / 1000))} pods/s)`,
    );
    writePng(
      join(OUT_DIR, `${BENCH}.png`),
      lineChart({
        title: `Pods bound over time (${PODS} pods, ${NODES} nodes)`,
        yLabel: 'pods bound',
        xLabel: 'seconds since first create',
        series: [{ name: 'bound (watch)', points: boundTimeline.filter((_, i) => i % Math.max(1, Math.floor(PODS / 500)) === 0) }],
      }),
    );
    const f = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({ bench: BENCH, name, value, unit, ...extra });
    return [
      f(`pods/s, create → bound (${PODS} pods, ${NODES} nodes)`, PODS / seconds, 'pods/s', { anchor: anchors.SCHEDULER_PODS_PER_SECOND }),
      f('pod create rate (client, concurrency ' + CONCURRENCY + ')', PODS / ((createdAll - t0) / 1000), 'pods/s'),
      f('scheduling cycle p50', cyc.p50, 'ms'),
      f('scheduling cycle p99', cyc.p99, 'ms'),
      f('scheduling cycle max', cyc.max, 'ms', { detail: true }),
      f('create sent → bound seen, p50', lat.p50, 'ms'),
      f('create sent → bound seen, p99', lat.p99, 'ms'),
      f('scheduling cycles run', cycles.length, 'cycles', { detail: true }),
    ];
  } finally {
    abort.abort();
    client.close();
    await server.stop();
  }
}

await runBench(BENCH, main);
