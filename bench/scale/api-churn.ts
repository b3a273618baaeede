// API latency under churn: N hollow nodes heartbeating (leases every 10 s, node status) while this
// client sends R mutating calls/s (open loop: a call is started every 1000/R ms whatever the
// previous ones do) for D seconds, cycling POST, PUT, PATCH, DELETE on ConfigMaps; p50/p99 per
// verb, and LIST of all pods (cluster scope, P pods present) sampled during the churn. Each call
// is timed from its scheduled start, not from when it got sent: a stalled client or server loop
// delays later sends, and that delay is latency the user sees (no coordinated omission). Failed
// calls are counted and printed beside each p99 (their latencies are not in it).
// Usage: npx tsx bench/scale/api-churn.ts [--quick] [--nodes N] [--pods P] [--rate R] [--seconds D]
// [--server-cpu-prof DIR] [--trace FILE]
// --trace writes one CSV row per call and per LIST (start ms since the churn began, kind, latency ms):
// which calls were slow, and whether they ran beside a LIST.
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { resources, type Client } from '../../src/client/index.ts';
import { anchors, barChart, createProgress, OUT_DIR, parseBenchArgs, readProcStats, runBench, summarize, writePng, type Figure } from '../lib/index.ts';
import { pool, startCluster, waitAllRunning, waitEventsQuiet } from './cluster.ts';

const args = parseBenchArgs(['nodes', 'pods', 'rate', 'seconds', 'server-cpu-prof', 'trace']);
const NODES = Number(args.values.nodes ?? (args.quick ? 20 : 1000));
const PODS = Number(args.values.pods ?? (args.quick ? 200 : 5000));
const RATE = Number(args.values.rate ?? 100);
const SECONDS = Number(args.values.seconds ?? (args.quick ? 10 : 60));
const NS = 'default';
const BENCH = 'scale-api-churn';
const progress = createProgress({ label: BENCH });
const VERBS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Verb = (typeof VERBS)[number];

const cm = (name: string, i: number): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data: { i: String(i) } });

async function main(): Promise<Figure[]> {
  const profDir = args.values['server-cpu-prof'];
  const cluster = await startCluster({
    nodes: NODES,
    progress,
    spreadSeconds: args.quick ? 1 : 10,
    serverNodeArgs: typeof profDir === 'string' ? ['--cpu-prof', '--cpu-prof-dir', profDir] : undefined,
  });
  const client: Client = cluster.client;
  const f = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({ bench: BENCH, name, value, unit, ...extra });
  try {
    progress.phase(`create ${PODS} pods (for LIST) and 100 ConfigMaps`, PODS);
    let made = 0;
    await pool(PODS, 32, async (i) => {
      await client.create(resources.pods, NS, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `churn-pod-${i}` },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      });
      progress.update(++made);
    });
    await pool(100, 16, async (i) => void (await client.create(resources.configmaps, NS, cm(`fixed-${i}`, i))));
    progress.end();
    // The churn measures a settled cluster (nodes heartbeating, pods running), not the start-up of
    // 5,000 pods: wait until the scheduler bound them all, the hollow nodes report them Running and
    // the events of their start-up have been written.
    progress.phase('wait for every pod to be Running');
    await waitAllRunning(client, NS, PODS);
    progress.end();
    progress.phase('wait until no Event was written for 3 s');
    await waitEventsQuiet(client);
    progress.end();

    const lat: Record<Verb, number[]> = { POST: [], PUT: [], PATCH: [], DELETE: [] };
    const errors: Record<Verb, number> = { POST: 0, PUT: 0, PATCH: 0, DELETE: 0 };
    const lists: number[] = [];
    const trace: string[] = ['start_ms,kind,ms'];
    let listErrors = 0;
    const created: string[] = [];
    const total = RATE * SECONDS;
    const inflight = new Set<Promise<void>>();
    // LISTs run in a worker thread with a client of their own: parsing 5,000 pods on this thread
    // would stall the loop that times the mutating calls, and charge the client's stall to the server.
    const lister = new Worker(new URL('./list-worker.mjs', import.meta.url), {
      workerData: { url: cluster.server.url, token: cluster.server.token, ca: cluster.server.caPem, everyMs: SECONDS >= 30 ? 10_000 : 2000, firstAtMs: 1000 },
    });
    // Started before the clock: a worker's start-up is the bench's own CPU, not the server's latency.
    await new Promise((resolve) => lister.once('online', resolve));
    progress.phase(`${RATE} mutating calls/s for ${SECONDS} s with ${NODES} nodes heartbeating`, total);
    const t0 = performance.now();
    const cpu0 = readProcStats(cluster.server.pid).cpuSeconds;
    lister.on('message', (m: { ms?: number; at?: number; error?: string }) => {
      if (m.ms === undefined) return void listErrors++;
      lists.push(m.ms);
      trace.push(`${((m.at ?? 0) - (performance.timeOrigin + t0)).toFixed(1)},LIST,${m.ms.toFixed(2)}`);
    });
    for (let j = 0; j < total; j++) {
      const due = t0 + (j * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      let verb: Verb = VERBS[j % 4]!;
      if (verb === 'DELETE' && created.length === 0) verb = 'POST';
      const op = async (): Promise<void> => {
        const s = due;
        try {
          if (verb === 'POST') {
            await client.create(resources.configmaps, NS, cm(`churn-${j}`, j));
            created.push(`churn-${j}`);
          } else if (verb === 'PUT') await client.update(resources.configmaps, NS, cm(`fixed-${j % 100}`, j));
          else if (verb === 'PATCH') await client.patch(resources.configmaps, NS, `fixed-${(j + 50) % 100}`, { data: { p: String(j) } }, { type: 'merge' });
          else await client.delete(resources.configmaps, NS, created.shift()!);
          lat[verb].push(performance.now() - s);
          trace.push(`${(s - t0).toFixed(1)},${verb},${(performance.now() - s).toFixed(2)}`);
        } catch {
          errors[verb]++;
        }
      };
      const p = op().finally(() => inflight.delete(p));
      inflight.add(p);
      progress.update(j + 1);
    }
    await Promise.all(inflight);
    await lister.terminate(); // a LIST still running when the churn ends is not counted
    const achieved = total / ((performance.now() - t0) / 1000);
    if (typeof args.values.trace === 'string') writeFileSync(args.values.trace, `${trace.join('\n')}\n`);
    const serverCpu = readProcStats(cluster.server.pid).cpuSeconds - cpu0;
    progress.end(`${achieved.toFixed(0)} calls/s achieved`);
    const figures: Figure[] = [];
    const all: number[] = [];
    for (const v of VERBS) {
      const s = summarize(lat[v]);
      all.push(...lat[v]);
      figures.push(
        f(`${v} configmap p50`, s.p50, 'ms'),
        f(`${v} configmap p99`, s.p99, 'ms', { anchor: anchors.GOAL_MUTATING_P99_MS }),
        f(`${v} configmap errors (not in p99)`, errors[v], 'calls'),
      );
    }
    const a = summarize(all);
    const l = summarize(lists);
    const allErrors = VERBS.reduce((n, v) => n + errors[v], 0);
    figures.push(
      f(`all mutating p99 (${RATE}/s, ${NODES} nodes heartbeating)`, a.p99, 'ms', { anchor: anchors.SLO_MUTATING_P99 }),
      f(`all mutating errors (of ${total} calls, not in p99)`, allErrors, 'calls'),
      f(`LIST all pods (${PODS} pods) p50`, l.p50, 'ms'),
      f(`LIST all pods (${PODS} pods) p99 (${lists.length} samples)`, l.p99, 'ms', { anchor: anchors.SLO_READ_CLUSTER_P99 }),
      f(`LIST all pods errors`, listErrors, 'calls'),
      f('mutating calls/s achieved', achieved, 'calls/s', { detail: true }),
      f(`server CPU during the churn (heartbeats and LISTs included)`, (serverCpu * 100) / ((performance.now() - t0) / 1000), '% of a core'),
    );
    writePng(
      join(OUT_DIR, `${BENCH}.png`),
      barChart({
        title: `Mutating call latency, ${RATE}/s with ${NODES} hollow nodes`,
        yLabel: 'ms',
        categories: [...VERBS],
        series: [
          { name: 'p50', values: VERBS.map((v) => summarize(lat[v]).p50) },
          { name: 'p99', values: VERBS.map((v) => summarize(lat[v]).p99) },
        ],
      }),
    );
    return figures;
  } finally {
    await cluster.stop();
  }
}

await runBench(BENCH, main);
