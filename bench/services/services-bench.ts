// Services on one node (issue #12): the nftables node proxy and the node-local DNS server, measured
// in a network namespace made here (the host's tables and routes are not touched) by
// services-child.ts, with in-memory informers standing in for the API:
//  - nft program: render + `nft -f` of N Services × 10 endpoints, from nothing and after one
//    endpoint changed (every sync rewrites the whole table: the second figure is the honest cost
//    of an "incremental" change);
//  - endpoint ready → first connection through the ClusterIP accepted (informer event → coalesced
//    sync → nft → TCP connect), p50/p99;
//  - DNS A queries/s and p99 from a separate process, at the listener directly and through the
//    kube-dns ClusterIP (the DNAT path pods use).
// Root only. --quick: 100 Services, 5 trials, 2 s of DNS load.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Figure } from '../lib/figures.ts';
import { onCleanup } from '../lib/cleanup.ts';
import { parseBenchArgs, runBench } from '../lib/run-bench.ts';
import { REPO_ROOT } from '../lib/server-process.ts';
import { summarize } from '../lib/stats.ts';

const args = parseBenchArgs();
const SERVICES = args.quick ? 100 : 1000;
const TRIALS = args.quick ? 5 : 20;
const DNS_SECONDS = args.quick ? 2 : 5;
const NS = `ppdsvcb-${process.pid}`;
const BENCH = 'service-proxy';

const SYNC_GOAL = { bound: 'max' as const, value: 1000, label: 'Peapod goal: full sync, 1,000 Services × 10', source: 'Peapod issue #12' };
const INCR_GOAL = { bound: 'max' as const, value: 50, label: 'Peapod goal: incremental sync', source: 'Peapod issue #12' };
const DNS_QPS_GOAL = { bound: 'min' as const, value: 10_000, label: 'Peapod goal: DNS q/s', source: 'Peapod issue #12' };
const DNS_P99_GOAL = { bound: 'max' as const, value: 2, label: 'Peapod goal: DNS p99', source: 'Peapod issue #12' };

interface DnsResult {
  answered: number;
  lost: number;
  qps: number;
  p50: number;
  p99: number;
}
interface ChildResult {
  renderMs: number[];
  fullMs: number[];
  changeMs: number[];
  bytes: number;
  flowMs: number[];
  steadyMs: number[];
  dnsDirect: DnsResult;
  dnsVip: DnsResult;
}

function sh(cmd: string, a: string[]): void {
  const r = spawnSync(cmd, a, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${a.join(' ')}: ${r.stderr}`);
}

await runBench(BENCH, async () => {
  if (process.getuid?.() !== 0) throw new Error('needs root (a network namespace and nftables)');
  sh('ip', ['netns', 'add', NS]);
  onCleanup(
    async () => void spawnSync('ip', ['netns', 'del', NS]),
    () => void spawnSync('ip', ['netns', 'del', NS]),
  );
  sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  sh('ip', ['-n', NS, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  sh('ip', ['-n', NS, 'addr', 'add', '192.168.77.1/24', 'dev', 'v0']);
  sh('ip', ['-n', NS, 'link', 'set', 'v0', 'up']);
  sh('ip', ['-n', NS, 'link', 'set', 'v1', 'up']);
  const child = spawnSync(
    'nsenter',
    [
      `--net=/run/netns/${NS}`,
      process.execPath,
      '--import',
      'tsx',
      join(REPO_ROOT, 'bench/services/services-child.ts'),
      String(SERVICES),
      '10',
      String(TRIALS),
      String(DNS_SECONDS),
    ],
    { encoding: 'utf8', cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20 },
  );
  if (child.status !== 0) throw new Error(`measuring child exited ${child.status}`);
  const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as ChildResult;
  const size = `${SERVICES.toLocaleString('en-US')} Services × 10 endpoints`;
  const full = summarize(r.fullMs);
  const change = summarize(r.changeMs);
  const flow = summarize(r.flowMs);
  const figures: Figure[] = [
    { bench: BENCH, name: `ruleset render, ${size} (p50)`, value: summarize(r.renderMs).p50, unit: 'ms' },
    {
      bench: BENCH,
      name: `nft -f full sync, ${size} (p50, ${(r.bytes / 1e6).toFixed(1)} MB program)`,
      value: full.p50,
      unit: 'ms',
      anchor: SERVICES >= 1000 ? SYNC_GOAL : undefined,
    },
    {
      bench: BENCH,
      name: `one endpoint changed → diff sync (render + nft), ${size} (p50)`,
      value: change.p50,
      unit: 'ms',
      anchor: SERVICES >= 1000 ? INCR_GOAL : undefined,
    },
    { bench: BENCH, name: 'endpoint ready → first connection via ClusterIP p50', value: flow.p50, unit: 'ms' },
    { bench: BENCH, name: 'endpoint ready → first connection via ClusterIP p99', value: flow.p99, unit: 'ms' },
    { bench: BENCH, name: 'connect via ClusterIP, rules in place, p50', value: summarize(r.steadyMs).p50, unit: 'ms' },
    { bench: BENCH, name: 'DNS A q/s, listener directly', value: r.dnsDirect.qps, unit: 'q/s', anchor: DNS_QPS_GOAL },
    { bench: BENCH, name: 'DNS A p99, listener directly', value: r.dnsDirect.p99, unit: 'ms', anchor: DNS_P99_GOAL },
    { bench: BENCH, name: 'DNS A q/s, via kube-dns ClusterIP (DNAT)', value: r.dnsVip.qps, unit: 'q/s', anchor: DNS_QPS_GOAL },
    { bench: BENCH, name: 'DNS A p99, via kube-dns ClusterIP (DNAT)', value: r.dnsVip.p99, unit: 'ms', anchor: DNS_P99_GOAL },
    { bench: BENCH, name: 'DNS queries lost (no answer in 1 s)', value: r.dnsDirect.lost + r.dnsVip.lost, unit: 'queries', detail: true },
  ];
  return figures;
});
