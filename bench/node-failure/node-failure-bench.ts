// node-failure: node death → every lost pod replaced and Running on another node. A real
// `peapod server --profile fast` (scheduler and controller manager on, no embedded agent) and three
// hollow nodes run in this process: real agents (registration, 2 s lease renewals learnt from the server, pod workers)
// with the hollow runtime. A Deployment spreads over them; one node "dies" (its agent is stopped:
// no more lease renewals, its pods are left as they are). Measured from the death: the node marked
// Unknown/unreachable, its pods evicted, and every replacement Running on a live node.
// The default profile (40 s grace, 300 s toleration) is computed from its timers plus the
// replacement time measured here, rather than waited out. Loopback only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { startAgent } from '../../src/agent/agent.ts';
import { NODE_TIMER_PROFILES } from '../../src/cli/node-timers.ts';
import { createClient, resources, type Client } from '../../src/client/index.ts';
import { createProgress, launchServer, onCleanup, parseBenchArgs, runBench, type Anchor } from '../lib/index.ts';

const BENCH = 'node-failure';
const NS = 'bench-node-failure';
const ISSUE_7 = 'Peapod issue #7: fast profile, node death → replacements Running';
const FAST_GOAL: Anchor = { bound: 'max', value: 15, label: 'Peapod goal: fast profile < 15 s', source: ISSUE_7 };

const isReady = (p: Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

await runBench(BENCH, async () => {
  const { quick } = parseBenchArgs();
  const nodes = 3;
  const replicas = quick ? 6 : 30;
  const dflt = NODE_TIMER_PROFILES.default!;
  const progress = createProgress({ label: BENCH });
  progress.phase('starting server (--profile fast)');
  const server = await launchServer({ args: ['--disable', 'agent', '--profile', 'fast'] });
  onCleanup(() => server.stop());
  const client: Client = createClient({ server: server.url, token: server.token, ca: server.caPem, userAgent: 'bench' });
  const dataRoot = mkdtempSync(join(tmpdir(), 'peapod-node-failure-'));
  onCleanup(async () => rmSync(dataRoot, { recursive: true, force: true }));
  const lifes: AbortController[] = [];
  onCleanup(async () => lifes.forEach((l) => l.abort()));
  for (let i = 0; i < nodes; i++) {
    const life = new AbortController();
    lifes.push(life);
    const nodeClient = createClient({ server: server.url, token: server.token, ca: server.caPem, userAgent: `hollow-${i}` });
    life.signal.addEventListener('abort', () => nodeClient.close(), { once: true });
    await startAgent({
      client: nodeClient,
      nodeName: `hollow-${i}`,
      dataDir: join(dataRoot, `hollow-${i}`),
      runtime: 'hollow',
      podCidr: `10.77.${i}.0/24`,
      nodeIp: '127.0.0.1',
      signal: life.signal,
      log: () => undefined,
    });
  }
  progress.end();

  progress.phase(`Deployment of ${replicas} on ${nodes} hollow nodes`);
  await client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const dep: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'busybox' }] } },
    },
  };
  await client.create(resources.deployments, NS, dep);
  const livePods = async (): Promise<Pod[]> => (await client.list<Pod>(resources.pods, NS)).items.filter((p) => !p.metadata?.deletionTimestamp);
  const before = await until(
    'all replicas Ready',
    async () => {
      const ready = (await livePods()).filter(isReady);
      return ready.length === replicas && ready;
    },
    120_000,
  );
  // The victim: the node with the most pods.
  const counts = new Map<string, number>();
  for (const p of before) counts.set(p.spec?.nodeName ?? '', (counts.get(p.spec?.nodeName ?? '') ?? 0) + 1);
  const [victim, lost] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const lostUids = new Set(before.filter((p) => p.spec?.nodeName === victim).map((p) => p.metadata?.uid));
  progress.end(`${lost} pods on ${victim}`);

  progress.phase(`killing ${victim}`);
  const t0 = performance.now();
  lifes[Number(victim.split('-')[1])]!.abort();
  let unknownAt: number | undefined;
  let evictedAt: number | undefined;
  await until(
    'replacements Running',
    async () => {
      if (unknownAt === undefined) {
        const n = await client.get<Node>(resources.nodes, undefined, victim);
        if ((n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute')) unknownAt = performance.now();
      }
      const all = (await client.list<Pod>(resources.pods, NS)).items;
      if (evictedAt === undefined && all.filter((p) => lostUids.has(p.metadata?.uid)).every((p) => p.metadata?.deletionTimestamp))
        evictedAt = performance.now();
      const running = all.filter((p) => !p.metadata?.deletionTimestamp && p.spec?.nodeName !== victim && p.status?.phase === 'Running' && isReady(p));
      return running.length === replicas;
    },
    120_000,
  );
  const total = (performance.now() - t0) / 1000;
  const detect = ((unknownAt ?? NaN) - t0) / 1000;
  const evict = ((evictedAt ?? NaN) - t0) / 1000;
  progress.end(`${total.toFixed(2)} s`);

  lifes.forEach((l) => l.abort());
  client.close();
  await server.stop();
  // Replacement (scheduling + start) after eviction, as measured; the default profile adds it to
  // its timers: the worst case is death just after a renewal (full grace), then the toleration.
  const replace = total - evict;
  const defaultWorst = dflt.gracePeriodMs / 1000 + dflt.unreachableTolerationSeconds + replace;
  return [
    { bench: BENCH, name: `fast: node death → ${lost} replacements Running`, value: total, unit: 's', anchor: FAST_GOAL },
    { bench: BENCH, name: 'fast: node death → node unreachable-tainted', value: detect, unit: 's' },
    { bench: BENCH, name: 'fast: node death → pods evicted', value: evict, unit: 's' },
    { bench: BENCH, name: 'fast: eviction → replacements Running', value: replace, unit: 's' },
    { bench: BENCH, name: 'default (computed): node death → replacements Running, worst case', value: defaultWorst, unit: 's' },
  ];
});
