// node-failure: node death → every lost pod replaced and Running on another node. A real
// `peapod server --profile fast` (scheduler and controller manager on, no embedded agent) and
// hollow nodes run in this process: real agents (registration, lease renewals at the interval
// learnt from the server, pod workers) with the hollow runtime. A Deployment spreads over them;
// a node "dies" (its agent is stopped: no more lease renewals, its pods are left as they are).
// Full size kills one node per round, five rounds (the figure depends on where in its renewal
// cycle the node dies); each round kills the node with the most pods. Watches time every stage
// from the death (./timeline.ts): node Unknown, unreachable NoExecute taint, pods evicted,
// replacements created, bound and Running.
// The default profile (40 s grace, 300 s toleration) is computed from its timers plus the
// replacement time measured here, rather than waited out. Loopback only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { startAgent } from '../../src/agent/agent.ts';
import { NODE_TIMER_PROFILES } from '../../src/cli/node-timers.ts';
import { createClient, resources, type Client } from '../../src/client/index.ts';
import { anchors, createProgress, launchServer, onCleanup, parseBenchArgs, renderTable, runBench, summarize, type Figure } from '../lib/index.ts';
import { STAGES, Timeline, type Round } from './timeline.ts';

const BENCH = 'node-failure';
const NS = 'bench-node-failure';
const FAST_GOAL = anchors.GOAL_NODE_FAILOVER_FAST_S;

const s = (ms: number | undefined): number => (ms === undefined ? NaN : ms / 1000);

await runBench(BENCH, async () => {
  const { quick } = parseBenchArgs();
  const rounds = quick ? 1 : 5;
  const nodes = rounds + 2;
  const replicas = quick ? 6 : 30;
  const fast = NODE_TIMER_PROFILES.fast!;
  const dflt = NODE_TIMER_PROFILES.default!;
  const progress = createProgress({ label: BENCH });
  progress.phase('starting server (--profile fast)');
  const server = await launchServer({ args: ['--disable', 'agent', '--profile', 'fast'] });
  onCleanup(() => server.stop());
  const client: Client = createClient({ server: server.url, token: server.token, ca: server.caPem, userAgent: 'bench' });
  onCleanup(async () => client.close());
  const timeline = new Timeline(client, NS, replicas);
  onCleanup(() => timeline.close());
  const dataRoot = mkdtempSync(join(tmpdir(), 'peapod-node-failure-'));
  onCleanup(async () => rmSync(dataRoot, { recursive: true, force: true }));
  const lifes = new Map<string, AbortController>();
  onCleanup(async () => lifes.forEach((l) => l.abort()));
  for (let i = 0; i < nodes; i++) {
    const life = new AbortController();
    const nodeName = `hollow-${i}`;
    lifes.set(nodeName, life);
    const nodeClient = createClient({ server: server.url, token: server.token, ca: server.caPem, userAgent: nodeName });
    life.signal.addEventListener('abort', () => nodeClient.close(), { once: true });
    await startAgent({
      client: nodeClient,
      nodeName,
      dataDir: join(dataRoot, nodeName),
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
  timeline.start();
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
  const deadline = Date.now() + 120_000;
  while ([...timeline.pods.values()].filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running').length < replicas) {
    if (Date.now() > deadline) throw new Error('timed out waiting for all replicas Running');
    await new Promise((r) => setTimeout(r, 50));
  }
  progress.end();

  const done: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    // Let the survivors settle (a lease renewal or two) so every round starts alike.
    await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000));
    const counts = new Map<string, number>();
    for (const p of timeline.pods.values()) {
      const n = p.spec?.nodeName;
      if (n && lifes.has(n) && !lifes.get(n)!.signal.aborted && !p.metadata?.deletionTimestamp) counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    const [victim, lost] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    progress.phase(`round ${i + 1}/${rounds}: killing ${victim} (${lost} pods)`);
    const round = await timeline.kill(victim, () => lifes.get(victim)!.abort(), 120_000);
    done.push(round);
    progress.end(`${s(round.at.running! - round.killedAt).toFixed(2)} s`);
  }
  await timeline.close();
  client.close();
  await server.stop();

  // The breakdown: per round, each stage's time since the kill, and the step from the stage before.
  const since = (r: Round, at: number | undefined): number => s(at === undefined ? undefined : at - r.killedAt);
  const header = ['stage (s after the kill)', ...done.map((r, i) => `#${i + 1} ${r.victim}`), 'median', 'step (median)'];
  const rows: string[][] = [['last lease renewal seen', ...done.map((r) => since(r, r.lastRenewAt).toFixed(2)), '', '']];
  const figures: Figure[] = [];
  let prevMedian = 0;
  for (const [stage, label] of STAGES) {
    const vals = done.map((r) => since(r, r.at[stage]));
    const med = summarize(vals).p50;
    rows.push([label, ...vals.map((v) => v.toFixed(2)), med.toFixed(2), `+${(med - prevMedian).toFixed(2)}`]);
    figures.push({ bench: BENCH, name: `fast: node death → ${label} (median)`, value: med, unit: 's', detail: stage === 'running' });
    prevMedian = med;
  }
  process.stdout.write(
    `\nfast profile (grace ${fast.gracePeriodMs / 1000} s, lease ${fast.leaseDurationSeconds} s renewed every ${fast.leaseDurationSeconds / 4} s, ` +
      `tolerations ${fast.unreachableTolerationSeconds} s): ${replicas} replicas on ${nodes} hollow nodes\n${renderTable(header, rows)}\n`,
  );

  const totals = done.map((r) => since(r, r.at.running));
  const total = summarize(totals);
  // Replacement (scheduling + start) after eviction, as measured; the default profile adds it to
  // its timers: the worst case is death just after a renewal (full grace), then the toleration.
  const replace = summarize(done.map((r) => since(r, r.at.running) - since(r, r.at.evicted))).p50;
  const defaultWorst = dflt.gracePeriodMs / 1000 + dflt.unreachableTolerationSeconds + replace;
  return [
    { bench: BENCH, name: `fast: node death → replacements Running, worst of ${rounds}`, value: total.max, unit: 's', anchor: FAST_GOAL },
    ...(rounds > 1
      ? [{ bench: BENCH, name: `fast: node death → replacements Running, median of ${rounds}`, value: total.p50, unit: 's', anchor: FAST_GOAL }]
      : []),
    ...figures,
    { bench: BENCH, name: 'fast: eviction → replacements Running (median)', value: replace, unit: 's' },
    { bench: BENCH, name: 'default (computed): node death → replacements Running, worst case', value: defaultWorst, unit: 's' },
  ];
});
