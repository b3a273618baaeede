// Footprint: `peapod server` RSS and CPU at idle with 1 hollow node, then with N hollow nodes and
// P Running pods (steady state: leases renewing, nothing else happening); the hollow-nodes
// process's own RSS/CPU beside it (RSS sampled 10 s after the pods are Running and again 150 s
// after, once V8 has given back what the burst grew); and warm start: the server restarted on the same data dir →
// a node registered and Ready. Usage: npx tsx bench/scale/footprint.ts [--quick] [--nodes N]
// [--pods P] [--window S]
import { performance } from 'node:perf_hooks';
import { resources } from '../../src/client/index.ts';
import { anchors, barChart, createProgress, MB, OUT_DIR, parseBenchArgs, readProcStats, runBench, writePng, type Figure } from '../lib/index.ts';
import { createClient } from '../../src/client/index.ts';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { onCleanup, REPO_ROOT, type ServerProcess } from '../lib/index.ts';
import { pool, startCluster, startHollowNodes, waitAllRunning } from './cluster.ts';

const args = parseBenchArgs(['nodes', 'pods', 'window']);
const NODES = Number(args.values.nodes ?? (args.quick ? 20 : 1000));
const PODS = Number(args.values.pods ?? (args.quick ? 200 : 30_000));
const WINDOW_S = Number(args.values.window ?? (args.quick ? 3 : 20));
const BENCH = 'scale-footprint';
const progress = createProgress({ label: BENCH });

/** CPU (% of one core) and RSS of `pid` over the next `seconds`. */
async function sample(pid: number, seconds: number): Promise<{ cpuPct: number; rssMb: number }> {
  const a = readProcStats(pid);
  const t = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = readProcStats(pid);
  return { cpuPct: ((b.cpuSeconds - a.cpuSeconds) / ((performance.now() - t) / 1000)) * 100, rssMb: b.rssBytes / MB };
}

/**
 * The server's own account of its memory (prom-client's default metrics on /metrics): the live JS
 * heap, the heap V8 holds, and memory outside it (Buffers, SQLite), to tell RSS held for
 * head-room from RSS in use.
 */
async function serverMemory(client: ReturnType<typeof createClient>): Promise<{ heapUsedMb: number; heapTotalMb: number; externalMb: number }> {
  const text = await client.raw<string>('GET', '/metrics', undefined, { accept: 'text/plain' });
  const metric = (name: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.slice(name.length + 1)) / MB : Number.NaN;
  };
  return {
    heapUsedMb: metric('nodejs_heap_size_used_bytes'),
    heapTotalMb: metric('nodejs_heap_size_total_bytes'),
    externalMb: metric('nodejs_external_memory_bytes'),
  };
}

/** `peapod server` on an existing data dir (launchServer always makes a fresh one). */
async function relaunch(dataDir: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/peapod.js'), 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--disable', 'agent'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PEAPOD_LOG_LEVEL: 'warn' },
  });
  child.stderr!.resume();
  let exited = false;
  const gone = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  const stop = async (): Promise<void> => {
    if (!exited) child.kill('SIGTERM');
    await gone;
  };
  onCleanup(stop, () => {
    if (!exited) child.kill('SIGKILL');
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (https:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    void gone.then(() => reject(new Error('server exited during warm start')));
  });
  return {
    pid: child.pid!,
    url,
    dataDir,
    token: readFileSync(join(dataDir, 'admin.token'), 'utf8').trim(),
    caPem: readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8'),
    stderrTail: () => [],
    logCounts: { warn: 0, error: 0, fatal: 0 },
    exit: () => (exited ? { code: child.exitCode, signal: child.signalCode } : undefined),
    stop,
  };
}

async function main(): Promise<Figure[]> {
  const f = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({ bench: BENCH, name, value, unit, ...extra });
  const figures: Figure[] = [];
  const cluster = await startCluster({ nodes: 1, progress, spreadSeconds: 0 });
  const { server, client } = cluster;
  progress.phase(`idle, 1 node: settle 5 s, sample ${WINDOW_S} s`);
  await new Promise((r) => setTimeout(r, 5000));
  const idle = await sample(server.pid, WINDOW_S);
  progress.end(`${idle.rssMb.toFixed(0)} MB, ${idle.cpuPct.toFixed(1)} % CPU`);
  figures.push(f('server RSS, idle, 1 node', idle.rssMb, 'MB', { anchor: anchors.GOAL_IDLE_RSS_MB }), f('server CPU, idle, 1 node', idle.cpuPct, '% core'));

  const more = await startHollowNodes(server, client, {
    count: NODES,
    offsetName: 'hollow-b-',
    podCidrBase: '10.128.0.0/10',
    progress,
    expectReady: NODES + 1,
    spreadSeconds: args.quick ? 1 : 10,
  });
  figures.push(f(`${NODES} hollow nodes: start → all Ready`, more.seconds, 's', NODES >= 1000 ? { anchor: anchors.GOAL_HOLLOW_JOIN_S } : {}));
  progress.phase(`create ${PODS} pods`, PODS);
  let made = 0;
  await pool(PODS, 32, async (i) => {
    await client.create(resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `fp-${i}` },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    progress.update(++made);
  });
  progress.end();
  progress.phase(`wait for ${PODS} pods Running`, PODS);
  await waitAllRunning(client, 'default', PODS, progress);
  progress.end();
  progress.phase(`steady state, ${NODES + 1} nodes + ${PODS} pods: settle 10 s, sample ${WINDOW_S} s`);
  await new Promise((r) => setTimeout(r, 10_000));
  const hollowBefore = readProcStats(more.child.pid!);
  const tH = performance.now();
  const busy = await sample(server.pid, WINDOW_S);
  const mem = await serverMemory(client);
  const hollowAfter = readProcStats(more.child.pid!);
  const hollowCpu = ((hollowAfter.cpuSeconds - hollowBefore.cpuSeconds) / ((performance.now() - tH) / 1000)) * 100;
  progress.end(
    `server ${busy.rssMb.toFixed(0)} MB ${busy.cpuPct.toFixed(1)} %; hollow-nodes ${(hollowAfter.rssBytes / MB).toFixed(0)} MB ${hollowCpu.toFixed(1)} %`,
  );
  figures.push(
    f(`server RSS, ${NODES} nodes + ${PODS} pods`, busy.rssMb, 'MB'),
    f(`server JS heap in use, ${NODES} nodes + ${PODS} pods`, mem.heapUsedMb, 'MB'),
    f(`server JS heap held by V8, ${NODES} nodes + ${PODS} pods`, mem.heapTotalMb, 'MB'),
    f(`server memory outside the JS heap (Buffers...), ${NODES} nodes + ${PODS} pods`, mem.externalMb, 'MB'),
    f(`server CPU, ${NODES} nodes + ${PODS} pods (steady)`, busy.cpuPct, '% core'),
    f(`hollow-nodes RSS (${NODES} nodes)`, hollowAfter.rssBytes / MB, 'MB'),
    f(`hollow-nodes CPU (${NODES} nodes, steady)`, hollowCpu, '% core'),
  );
  // V8 gives back the heap a burst grew only when its memory reducer runs — at this allocation
  // rate its watchdog, about 100 s after the last full collection — so RSS is sampled again later,
  // beside (not instead of) the figures 10 s after the burst.
  const LATER_S = args.quick ? 0 : 150;
  if (LATER_S > 0) {
    progress.phase(`steady state ${LATER_S} s after the last pod Running`);
    await new Promise((r) => setTimeout(r, (LATER_S - 10 - WINDOW_S) * 1000));
    const serverLater = readProcStats(server.pid).rssBytes / MB;
    const hollowLater = readProcStats(more.child.pid!).rssBytes / MB;
    progress.end(`server ${serverLater.toFixed(0)} MB; hollow-nodes ${hollowLater.toFixed(0)} MB`);
    figures.push(
      f(`server RSS, ${NODES} nodes + ${PODS} pods, ${LATER_S} s after the burst`, serverLater, 'MB'),
      f(`hollow-nodes RSS (${NODES} nodes), ${LATER_S} s after the burst`, hollowLater, 'MB'),
    );
  }

  // Warm start: same data dir, fresh processes; time to a node registered and Ready.
  progress.phase('warm start: restart server on the same data dir');
  const dataDir = server.dataDir;
  more.child.kill('SIGTERM');
  await cluster.stop();
  const t0 = performance.now();
  const again = await relaunch(dataDir);
  const listening = (performance.now() - t0) / 1000;
  const client2 = createClient({ server: again.url, token: again.token, ca: again.caPem, userAgent: 'scale-bench' });
  try {
    await startHollowNodes(again, client2, { count: 1, spreadSeconds: 0, expectReady: 1 });
    const ready = (performance.now() - t0) / 1000;
    progress.end(`listening in ${listening.toFixed(1)} s, node Ready in ${ready.toFixed(1)} s`);
    figures.push(f(`warm start → API listening (${PODS} pods stored)`, listening, 's'), f('warm start → node registered and Ready', ready, 's'));
  } finally {
    client2.close();
    await again.stop();
  }
  writePng(
    join(OUT_DIR, `${BENCH}.png`),
    barChart({
      title: 'peapod server RSS (MB)',
      yLabel: 'MB',
      categories: ['idle, 1 node', `${NODES} nodes + ${PODS} pods`],
      series: [{ name: 'RSS', values: [idle.rssMb, busy.rssMb] }],
    }),
  );
  return figures;
}

await runBench(BENCH, main);
