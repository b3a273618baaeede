// Scale ladder: one `peapod server`, hollow nodes and pods added in steps (1k/30k → 2k/60k →
// 5k/150k by default) until a figure breaks its bound: mutating p99 > 1 s (a 10 s probe of 100
// writes/s after each step), pod startup p99 > 5 s (create → Running seen on a watch, pods created
// at a paced rate; a refused create counts as a failed startup), or the server gone (out of
// memory). Reports each step and the largest that
// held. Usage: npx tsx bench/scale/ladder.ts [--quick] [--steps 1000/30000,2000/60000,...]
// [--create-rate R] [--server-cpu-prof DIR] (a V8 CPU profile of the server over the whole run,
// sampled every 10 ms so that the profiler's own cost stays small; written when it exits) [--trace FILE] (one CSV row per pod: step, ms from the step's first create
// to its create, create → Running ms; to see when the slow start-ups happened). Quick mode does one
// tiny step (CI smoke).
import type { Pod } from 'kubernetes-types/core/v1.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setMaxListeners } from 'node:events';
import { resources, type Client } from '../../src/client/index.ts';
import { anchors, createProgress, lineChart, MB, OUT_DIR, parseBenchArgs, readProcStats, runBench, summarize, writePng, type Figure } from '../lib/index.ts';
import { startCluster, startHollowNodes } from './cluster.ts';

const args = parseBenchArgs(['steps', 'create-rate', 'server-cpu-prof', 'trace']);
const trace: string[] = ['step,created_ms,startup_ms'];
const STEPS = String(args.values.steps ?? (args.quick ? '10/50' : '1000/30000,2000/60000,5000/150000'))
  .split(',')
  .map((s) => s.split('/').map(Number) as [number, number]);
const CREATE_RATE = Number(args.values['create-rate'] ?? (args.quick ? 100 : 150));
const BENCH = 'scale-ladder';
const progress = createProgress({ label: BENCH });
const MUTATING_BOUND_MS = anchors.SLO_MUTATING_P99.value;
const STARTUP_BOUND_MS = anchors.SLO_POD_STARTUP_P99.value;

/**
 * Creates pods `from`..`to-1` at `rate`/s; resolves with create → Running latencies (ms), one per
 * pod asked for: a refused create and a pod not Running in time are each an infinite latency (a
 * failed startup), never left out, so failures raise p99 instead of flattering it.
 */
async function addPods(client: Client, from: number, to: number): Promise<{ startup: number[]; failedCreates: number }> {
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const sentAt = new Map<string, number>();
  const startup: number[] = [];
  const want = to - from;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const rv = (await client.list(resources.pods, 'default', { limit: 1 })).metadata?.resourceVersion;
  const watch = client
    .watch<Pod>(resources.pods, 'default', { resourceVersion: rv, signal: abort.signal, timeoutSeconds: 3600 }, (ev) => {
      const p = ev.object as Pod;
      const name = p.metadata?.name ?? '';
      const sent = sentAt.get(name);
      if (sent === undefined || p.status?.phase !== 'Running') return;
      sentAt.delete(name);
      record(performance.now() - sent, sent);
    })
    .catch(() => undefined);
  let failedCreates = 0;
  const t0 = performance.now();
  function record(ms: number, sent: number): void {
    trace.push(`${from},${(sent - t0).toFixed(1)},${ms.toFixed(1)}`);
    startup.push(ms);
    progress.update(startup.length);
    if (startup.length === want) finish();
  }
  const inflight = new Set<Promise<unknown>>();
  for (let i = from; i < to; i++) {
    const wait = t0 + ((i - from) * 1000) / CREATE_RATE - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inflight.size >= 64) await Promise.race(inflight);
    const name = `ladder-${i}`;
    sentAt.set(name, performance.now());
    const p = client
      .create(resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } })
      .catch((e: unknown) => {
        const sent = sentAt.get(name);
        if (sent === undefined || !sentAt.delete(name)) return;
        if (failedCreates++ < 3) progress.note(`create failed: ${e instanceof Error ? e.message : String(e)}`);
        record(Number.POSITIVE_INFINITY, sent);
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
  // Pods not Running 60 s after the last create count as failed startups (the bound is broken).
  const timer = setTimeout(finish, 60_000);
  await done;
  clearTimeout(timer);
  for (let k = sentAt.size; k > 0; k--) startup.push(Number.POSITIVE_INFINITY);
  abort.abort();
  await watch;
  return { startup, failedCreates };
}

/**
 * 10 s of 100 ConfigMap creates/s; p99 ms. (Creates, not patches of one object: concurrent merge
 * patches of one object get 409 Conflict from the server today; see the report in bench/README.md.)
 */
async function mutatingProbe(client: Client, step: number): Promise<number> {
  const lat: number[] = [];
  const t0 = performance.now();
  const calls: Promise<void>[] = [];
  let failures = 0;
  for (let j = 0; j < 1000; j++) {
    const wait = t0 + j * 10 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    calls.push(
      (async () => {
        const s = performance.now();
        await client
          .create(resources.configmaps, 'default', {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `ladder-probe-${step}-${j}` },
            data: { j: String(j) },
          })
          .then(
            () => lat.push(performance.now() - s),
            (e: unknown) => {
              lat.push(Number.POSITIVE_INFINITY);
              if (failures++ < 3) progress.note(`probe create failed: ${e instanceof Error ? e.message : String(e)}`);
            },
          );
      })(),
    );
  }
  await Promise.all(calls);
  return summarize(lat).p99;
}

async function main(): Promise<Figure[]> {
  const profDir = args.values['server-cpu-prof'];
  const cluster = await startCluster({
    nodes: 0,
    serverNodeArgs: typeof profDir === 'string' ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '10000'] : undefined,
  });
  const { server, client } = cluster;
  const f = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({ bench: BENCH, name, value, unit, ...extra });
  const figures: Figure[] = [];
  const rssLine: Array<[number, number]> = [];
  let nodes = 0;
  let pods = 0;
  let held: [number, number] | undefined;
  try {
    for (const [k, [wantNodes, wantPods]] of STEPS.entries()) {
      progress.note(`step ${k + 1}/${STEPS.length}: ${wantNodes} nodes, ${wantPods} pods`);
      if (wantNodes > nodes) {
        // Each step's nodes in their own process, with their own /12 of pod CIDRs.
        await startHollowNodes(server, client, {
          count: wantNodes - nodes,
          offsetName: `hollow-s${k}-`,
          podCidrBase: `10.${64 + 16 * k}.0.0/12`,
          spreadSeconds: args.quick ? 1 : 10,
          progress,
          expectReady: wantNodes,
        });
        nodes = wantNodes;
      }
      progress.phase(`add ${wantPods - pods} pods at ${CREATE_RATE}/s, wait for Running`, wantPods - pods);
      const added = await addPods(client, pods, wantPods);
      const startup = summarize(added.startup);
      progress.end(`startup p99 ${startup.p99.toFixed(0)} ms; ${added.failedCreates} creates refused`);
      pods = wantPods;
      progress.phase('mutating probe: 100 creates/s for 10 s');
      const mut = await mutatingProbe(client, k);
      const exit = server.exit();
      const rss = exit ? Number.NaN : readProcStats(server.pid).rssBytes / MB;
      progress.end(`p99 ${mut.toFixed(1)} ms; server RSS ${rss.toFixed(0)} MB`);
      rssLine.push([nodes, rss]);
      const label = `${nodes} nodes / ${pods} pods`;
      figures.push(
        f(`${label}: pod startup p99 (refused creates count as failed startups)`, startup.p99, 'ms', { anchor: anchors.SLO_POD_STARTUP_P99 }),
        f(`${label}: pod creates refused`, added.failedCreates, 'pods'),
        f(`${label}: mutating p99 (100/s)`, mut, 'ms', { anchor: anchors.SLO_MUTATING_P99 }),
        f(`${label}: server RSS`, rss, 'MB'),
      );
      const broke = exit
        ? `server exited (${exit.signal ?? exit.code})`
        : mut > MUTATING_BOUND_MS
          ? 'mutating p99 > 1 s'
          : startup.p99 > STARTUP_BOUND_MS
            ? 'pod startup p99 > 5 s'
            : undefined;
      if (broke) {
        progress.note(`step ${k + 1} broke a bound: ${broke}`);
        break;
      }
      held = [nodes, pods];
    }
  } finally {
    await cluster.stop();
  }
  figures.push(
    f('largest size that held: nodes', held?.[0] ?? 0, 'nodes', { anchor: anchors.K8S_MAX_NODES }),
    f('largest size that held: pods', held?.[1] ?? 0, 'pods'),
  );
  writePng(
    join(OUT_DIR, `${BENCH}.png`),
    lineChart({ title: 'Server RSS by ladder step', yLabel: 'MB', xLabel: 'hollow nodes', series: [{ name: 'RSS', points: rssLine }] }),
  );
  if (typeof args.values.trace === 'string') writeFileSync(args.values.trace, `${trace.join('\n')}\n`);
  return figures;
}

await runBench(BENCH, main);
