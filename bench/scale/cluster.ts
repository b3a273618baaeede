// Shared by the scale benchmarks: a real `peapod server` (scheduler and controller manager in it,
// no embedded agent) plus `peapod hollow-nodes --count N` as a child process, waited on until N
// nodes are Ready. Everything is stopped at cleanup (bench/lib/cleanup.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { createClient, resources, type Client } from '../../src/client/index.ts';
import { launchServer, makeTempDir, onCleanup, REPO_ROOT, type Progress, type ServerProcess } from '../lib/index.ts';

export interface Cluster {
  readonly server: ServerProcess;
  readonly client: Client;
  /** The hollow-nodes process (undefined with 0 nodes). */
  readonly hollowPid: number | undefined;
  /** Seconds from spawning hollow-nodes to all nodes Ready. */
  readonly joinSeconds: number;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  readonly nodes: number;
  readonly serverArgs?: readonly string[];
  /** Node flags for the server (e.g. --cpu-prof). */
  readonly serverNodeArgs?: readonly string[];
  readonly progress?: Progress;
  /** Spread of hollow node starts (s); default 10, one renew interval of the default profile. */
  readonly spreadSeconds?: number;
}

function isReady(n: Node): boolean {
  return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Counts Ready nodes with one LIST of up to 10,000 (enough for the ladder's steps). */
export async function readyNodes(client: Client): Promise<number> {
  const list = await client.list<Node>(resources.nodes, undefined, { limit: 10_000 });
  return list.items.filter(isReady).length;
}

/** Starts hollow nodes against `server`; resolves once all of them registered and `expectReady` (default `count`) nodes are Ready. */
export async function startHollowNodes(
  server: ServerProcess,
  client: Client,
  opts: { count: number; offsetName?: string; podCidrBase?: string; spreadSeconds?: number; progress?: Progress; expectReady?: number },
): Promise<{ child: ChildProcess; seconds: number }> {
  const dir = makeTempDir('peapod-bench-hollow');
  const caFile = join(dir, 'ca.crt');
  writeFileSync(caFile, server.caPem);
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'bin/peapod.js'),
      'hollow-nodes',
      '--count',
      String(opts.count),
      '--server',
      server.url,
      '--token',
      server.token,
      '--ca-file',
      caFile,
      '--name-prefix',
      opts.offsetName ?? 'hollow-',
      '--pod-cidr-base',
      opts.podCidrBase ?? '10.64.0.0/10',
      '--spread-seconds',
      String(opts.spreadSeconds ?? 10),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PEAPOD_LOG_LEVEL: 'error' } },
  );
  let registered = false;
  child.stdout!.on('data', (d: Buffer) => {
    if (/nodes ready/.test(d.toString())) registered = true;
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  let exited = false;
  const gone = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  onCleanup(
    async () => {
      if (!exited) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 8000);
      await gone;
      clearTimeout(t);
    },
    () => {
      if (!exited) child.kill('SIGKILL');
    },
  );
  const want = opts.expectReady ?? opts.count;
  opts.progress?.phase(`join ${opts.count} hollow nodes`, want);
  for (;;) {
    if (exited) throw new Error(`hollow-nodes exited early:\n${err}`);
    const n = await readyNodes(client).catch(() => 0);
    opts.progress?.update(n);
    if (n >= want && registered) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const seconds = (performance.now() - t0) / 1000;
  opts.progress?.end(`${want} nodes Ready in ${seconds.toFixed(1)} s`);
  return { child, seconds };
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const server = await launchServer({ args: ['--disable', 'agent', ...(opts.serverArgs ?? [])], nodeArgs: opts.serverNodeArgs, readyTimeoutMs: 60_000 });
  const client = createClient({ server: server.url, token: server.token, ca: server.caPem, userAgent: 'scale-bench', maxSockets: 64 });
  let hollow: { child: ChildProcess; seconds: number } | undefined;
  if (opts.nodes > 0) hollow = await startHollowNodes(server, client, { count: opts.nodes, progress: opts.progress, spreadSeconds: opts.spreadSeconds });
  return {
    server,
    client,
    hollowPid: hollow?.child.pid,
    joinSeconds: hollow?.seconds ?? 0,
    async stop() {
      if (hollow && hollow.child.exitCode === null) {
        hollow.child.kill('SIGTERM');
        await new Promise((r) => hollow!.child.once('exit', r));
      }
      client.close();
      await server.stop();
    },
  };
}

/** Runs `fn(i)` for i in [0, n) with `concurrency` calls in flight. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/**
 * Waits until every pod in `namespace` is Running, polling with a LIST of at most one pod that is
 * not (a LIST of every pod per poll would itself load the server a bench then measures: at 30,000
 * pods, one every 2 s left the server's heap at 1.5 GB). Progress counts the pods Running, from
 * the server's remainingItemCount when it gives one.
 */
/**
 * Waits until the API server has counted no Event write for `quietMs` (from its /metrics). Nodes and
 * the scheduler write their events one at a time after the fact, as client-go does, so a burst of
 * pods is not settled when the last one is Running: its events are still being written.
 */
export async function waitEventsQuiet(client: Client, quietMs = 3000, timeoutMs = 180_000): Promise<void> {
  const writes = async (): Promise<number> =>
    (await client.raw<string>('GET', '/metrics', undefined, { accept: 'text/plain' }))
      .split('\n')
      .filter((l) => l.startsWith('apiserver_request_total{') && l.includes('resource="events"') && !/verb="(GET|LIST|WATCH)"/.test(l))
      .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
  const deadline = Date.now() + timeoutMs;
  let last = await writes();
  let since = Date.now();
  while (Date.now() - since < quietMs && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await writes();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

export async function waitAllRunning(client: Client, namespace: string, total: number, progress?: Progress): Promise<void> {
  for (;;) {
    const left = await client.list<Pod>(resources.pods, namespace, { fieldSelector: 'status.phase!=Running', limit: 1 });
    if (left.items.length === 0) return;
    const remaining = left.metadata?.remainingItemCount;
    if (remaining !== undefined) progress?.update(total - 1 - remaining);
    await new Promise((r) => setTimeout(r, 500));
  }
}
