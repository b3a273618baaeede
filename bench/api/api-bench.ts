// API server benchmark on each storage backend (--backend sqlite,etcd; default both if etcd is installed), through a real `peapod server` child process:
// create (sequential and concurrent), get, strategic-merge patch, cluster-scoped LIST of 1,000 and
// of N pods, watch event throughput to one watcher, and the server's memory and CPU.
// Usage: tsx bench/api/api-bench.ts [--quick]   (bench/README.md explains every figure)
import { join } from 'node:path';
import { apiChart, type OpRow } from './api-chart.ts';
import { labelPatch, NAMESPACE, podManifest, podPath, podsPath, STRATEGIC_MERGE, WATCH_NAMESPACE } from './api-objects.ts';
import { measureWatch } from './watch-throughput.ts';
import * as anchors from '../lib/anchors.ts';
import type { Anchor, Figure } from '../lib/figures.ts';
import { ApiClient } from '../lib/https-client.ts';
import { writePng } from '../lib/png.ts';
import { MB, readProcStats } from '../lib/proc-stats.ts';
import { createProgress } from '../lib/progress.ts';
import { OUT_DIR, parseBenchArgs, runBench } from '../lib/run-bench.ts';
import { launchServer } from '../lib/server-process.ts';
import { parseBackends, runOnBackends } from '../lib/backends.ts';
import { summarize } from '../lib/stats.ts';
import { renderTable } from '../lib/table.ts';
import { timedLoop, type LoopResult } from '../lib/timed-loop.ts';
import { formatNumber } from '../lib/figures.ts';

const SIZES = {
  full: { sequential: 1000, small: 1000, large: 10_000, gets: 2000, patches: 1000, smallLists: 20, largeLists: 10, watch: 10_000, concurrency: 16 },
  quick: { sequential: 300, small: 1000, large: 10_000, gets: 500, patches: 300, smallLists: 5, largeLists: 3, watch: 5000, concurrency: 16 },
};
const BENCH = 'api';

const args = parseBenchArgs(['backend']);
const backends = parseBackends(args.values.backend);
const size = args.quick ? SIZES.quick : SIZES.full;
const progress = createProgress({ label: BENCH });

interface Op {
  readonly key: string;
  readonly label: string;
  readonly concurrency: number;
  readonly result: LoopResult;
  readonly serverCpuSeconds: number;
  readonly anchor?: Anchor;
}

await runBench(BENCH, () =>
  runOnBackends(backends, async (backend, serverArgs) => {
    progress.phase(`starting peapod server on ${backend}`);
    // No node agent and no scheduler: the server's own node would start up to 110 of the pods as
    // real containers on the same two cores, and the scheduler would mark thousands of them
    // unschedulable (a status write and an Event each) while later phases run — figures of
    // container start-up and scheduling, not of the API. The pods stay Pending, untouched.
    const server = await launchServer({ args: [...serverArgs, '--disable', 'agent,scheduler'] });
    progress.end(server.url);
    const client = new ApiClient({ url: server.url, token: server.token, caPem: server.caPem, maxSockets: 64 });
    const ops: Op[] = [];
    const failures: string[] = [];

    // Idle footprint: after start-up, before any load.
    await new Promise((r) => setTimeout(r, 2000));
    const idle = readProcStats(server.pid);

    for (const ns of [NAMESPACE, WATCH_NAMESPACE]) {
      const res = await client.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
      if (res.status !== 201 && res.status !== 409) throw new Error(`create namespace ${ns}: HTTP ${res.status} ${res.body}`);
    }

    /** Runs one measured phase, with the server's CPU time over it. */
    const measure = async (
      key: string,
      label: string,
      count: number,
      concurrency: number,
      anchor: Anchor | undefined,
      op: (i: number) => Promise<void>,
    ): Promise<void> => {
      progress.phase(`${label}${concurrency > 1 ? ` (concurrency ${concurrency})` : ''}`, count);
      const cpu0 = readProcStats(server.pid).cpuSeconds;
      const result = await timedLoop(count, { concurrency, progress }, op);
      const serverCpuSeconds = readProcStats(server.pid).cpuSeconds - cpu0;
      const s = summarize(result.latencies);
      progress.end(`p50 ${formatNumber(s.p50)} ms, p99 ${formatNumber(s.p99)} ms${result.errors ? `, ${result.errors} ERRORS` : ''}`);
      for (const e of result.errorSamples) failures.push(`${label}: ${e}`);
      if (result.latencies.length === 0) throw new Error(`${label}: every request failed, e.g. ${result.errorSamples[0] ?? '?'}`);
      ops.push({ key, label, concurrency, result, serverCpuSeconds, anchor });
    };

    let created = 0;
    const createPods = async (key: string, label: string, upTo: number, concurrency: number): Promise<void> => {
      const first = created;
      await measure(key, label, upTo - first, concurrency, anchors.SLO_MUTATING_P99, async (i) => {
        await client.ok('POST', podsPath(NAMESPACE), { body: podManifest(`p-${first + i}`, NAMESPACE) });
      });
      created = upTo;
    };
    const listPods = async (key: string, expected: number, reps: number): Promise<void> => {
      await measure(key, `list ${expected} pods`, reps, 1, anchors.SLO_READ_CLUSTER_P99, async () => {
        const res = await client.ok('GET', '/api/v1/pods');
        const items = (JSON.parse(res.body) as { items?: unknown[] }).items?.length;
        if (items !== expected) throw new Error(`list returned ${items} pods, expected ${expected}`);
      });
    };
    const pick = (i: number): string => `p-${(i * 7919) % created}`;

    // Warm-up (not measured): JIT, TLS sessions, SQLite page cache.
    progress.phase('warm-up');
    await timedLoop(100, { concurrency: 4 }, async (i) => {
      await client.ok('POST', podsPath(WATCH_NAMESPACE), { body: podManifest(`warm-${i}`, WATCH_NAMESPACE) });
      await client.ok('GET', podPath(WATCH_NAMESPACE, `warm-${i}`));
      await client.ok('DELETE', podPath(WATCH_NAMESPACE, `warm-${i}`));
    });
    progress.end();

    await createPods('create_seq', 'create', size.sequential, 1);
    if (created < size.small) await createPods('create_c16', 'create', size.small, size.concurrency);
    await listPods('list_small', size.small, size.smallLists);
    await measure('get', 'get', size.gets, 1, anchors.SLO_READ_RESOURCE_P99, async (i) => {
      await client.ok('GET', podPath(NAMESPACE, pick(i)));
    });
    await measure('patch', 'patch (strategic merge)', size.patches, 1, anchors.SLO_MUTATING_P99, async (i) => {
      await client.ok('PATCH', podPath(NAMESPACE, pick(i)), { body: labelPatch(i), contentType: STRATEGIC_MERGE });
    });
    await createPods(ops.some((o) => o.key === 'create_c16') ? 'create_c16_more' : 'create_c16', 'create', size.large, size.concurrency);
    await listPods('list_large', size.large, size.largeLists);

    const cpuBeforeWatch = readProcStats(server.pid).cpuSeconds;
    const watch = await measureWatch(client, { count: size.watch, concurrency: size.concurrency, progress });
    const watchCpu = readProcStats(server.pid).cpuSeconds - cpuBeforeWatch;

    const after = readProcStats(server.pid);
    client.close();
    const exit = server.exit();
    if (exit) throw new Error(`peapod server exited during the run: ${JSON.stringify(exit)}\n${server.stderrTail().join('\n')}`);
    await server.stop();
    const logs = server.logCounts;

    // Merge the two concurrent-create phases into one row.
    const rows = mergeConcurrentCreates(ops);
    printLatencyTable(rows);
    if (failures.length) process.stderr.write(`request errors (first few):\n  ${failures.join('\n  ')}\n`);
    if (logs.error + logs.fatal > 0)
      process.stderr.write(`server logged ${logs.error} errors, ${logs.fatal} fatal; last lines:\n${server.stderrTail().slice(-20).join('\n')}\n`);

    const chartRows: OpRow[] = rows.map((r) => ({ label: r.label.replace(/ \(concurrency (\d+)\)/, ' c$1'), summary: summarize(r.result.latencies) }));
    writePng(
      join(OUT_DIR, backend === 'sqlite' ? `${BENCH}.png` : `${BENCH}-${backend}.png`),
      apiChart(
        chartRows,
        { eventTimes: watch.eventTimes, ackTimes: watch.writes.completedAt },
        `Peapod API latency, ${backend === 'sqlite' ? 'SQLite' : 'etcd'}${args.quick ? ' (quick)' : ''}: p50 / p90 / p99`,
      ),
    );

    const figures: Figure[] = [];
    const add = (name: string, value: number, unit: string, anchor?: Anchor, detail = false): void => {
      figures.push({ bench: BENCH, name, value, unit, anchor, detail });
    };
    for (const r of rows) {
      const s = summarize(r.result.latencies);
      add(`${r.label} p50`, s.p50, 'ms', undefined, true);
      add(`${r.label} p90`, s.p90, 'ms', undefined, true);
      add(`${r.label} p99`, s.p99, 'ms', r.anchor);
      add(`${r.label} max`, s.max, 'ms', undefined, true);
      add(`${r.label} throughput`, r.result.latencies.length / r.result.seconds, 'req/s', undefined, !r.key.startsWith('create'));
      add(`${r.label} server CPU per request`, (1000 * r.serverCpuSeconds) / (r.result.latencies.length + r.result.errors), 'ms', undefined, true);
      add(`${r.label} errors`, r.result.errors, 'requests', undefined, r.result.errors === 0);
    }
    add(`watch live: events/s to 1 watcher (${size.watch} creates, c${size.concurrency})`, watch.liveEventsPerSecond, 'events/s', anchors.GOAL_WATCH_EVENTS);
    add('watch live: last event after last create ack', watch.tailLagMs, 'ms');
    add(`watch replay: events/s from resourceVersion (${watch.replayEvents} events)`, watch.replayEventsPerSecond, 'events/s', anchors.GOAL_WATCH_EVENTS);
    add('watch phase server CPU per event', (1000 * watchCpu) / size.watch, 'ms', undefined, true);
    add('server RSS idle (after start-up)', idle.rssBytes / MB, 'MB', anchors.GOAL_IDLE_RSS_MB);
    add(`server RSS after run (${created + size.watch} pods stored)`, after.rssBytes / MB, 'MB');
    add('server peak RSS', after.peakRssBytes / MB, 'MB');
    add('server CPU time, whole run', after.cpuSeconds, 's', undefined, true);
    add('server log lines at error/fatal', logs.error + logs.fatal, 'lines', undefined, logs.error + logs.fatal === 0);
    return figures;
  }),
);

interface Row {
  readonly key: string;
  readonly label: string;
  readonly result: LoopResult;
  readonly serverCpuSeconds: number;
  readonly anchor?: Anchor;
}

function mergeConcurrentCreates(ops: readonly Op[]): Row[] {
  const rows: Row[] = [];
  for (const op of ops) {
    const label = op.concurrency > 1 ? `${op.label} (concurrency ${op.concurrency})` : op.key.startsWith('create') ? `${op.label} (sequential)` : op.label;
    const key = op.key === 'create_c16_more' ? 'create_c16' : op.key;
    const prev = rows.find((r) => r.key === key);
    if (!prev) {
      rows.push({ key, label, result: op.result, serverCpuSeconds: op.serverCpuSeconds, anchor: op.anchor });
      continue;
    }
    rows[rows.indexOf(prev)] = {
      ...prev,
      serverCpuSeconds: prev.serverCpuSeconds + op.serverCpuSeconds,
      result: {
        latencies: [...prev.result.latencies, ...op.result.latencies],
        completedAt: [],
        errors: prev.result.errors + op.result.errors,
        errorSamples: [...prev.result.errorSamples, ...op.result.errorSamples],
        seconds: prev.result.seconds + op.result.seconds,
      },
    };
  }
  return rows;
}

function printLatencyTable(rows: readonly Row[]): void {
  const table = renderTable(
    ['operation', 'requests', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'req/s', 'server CPU ms/req', 'errors'],
    rows.map((r) => {
      const s = summarize(r.result.latencies);
      const n = r.result.latencies.length;
      return [
        r.label,
        String(n),
        formatNumber(s.p50),
        formatNumber(s.p90),
        formatNumber(s.p99),
        formatNumber(s.max),
        formatNumber(n / r.result.seconds),
        formatNumber((1000 * r.serverCpuSeconds) / (n + r.result.errors)),
        String(r.result.errors),
      ];
    }),
  );
  process.stdout.write(`\napi: latency per operation (client-observed, HTTPS keep-alive)\n${table}\n`);
}
