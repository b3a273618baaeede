// The node proxy (kube-proxy's job, nftables mode) and the node-local DNS server, run by the agent
// from one pair of informers (Services, EndpointSlices).
//
//   informer event ─► dirty ─► (≥ minSyncIntervalMs after the previous sync started) ─► sync:
//       buildServicePorts ─► buildRuleset ─► diff against the applied one ─► `nft -f -` (one
//       transaction): only the changed chains/elements, or the whole table on the first sync,
//       after a failure, or when a base chain changed
//
// Syncs never overlap; a burst of events costs one sync. A failed sync is retried after
// minSyncIntervalMs (and logged), the previous table staying in force meanwhile. On stop the table
// and the service CIDR route go (synchronously: `peapod server` exits right after aborting).
import { spawnSync } from 'node:child_process';
import type { ClusterDnsData } from '../dns/cluster-records.ts';
import { startDnsServer, type DnsServer } from '../dns/dns-server.ts';
import { upstreamsFromResolvConf, type Upstream } from '../dns/forwarder.ts';
import { runCommand } from '../../util/command.ts';
import { buildRuleset, renderDeleteTable, renderDiff, renderFull, tableName, type Ruleset } from './nft-ruleset.ts';
import { buildServicePorts } from './service-model.ts';
import { dnsDataFromInformers, type ServiceInformers } from './service-informers.ts';

export interface NodeProxyOptions {
  nodeName: string;
  informers: ServiceInformers;
  /** The cluster's pod CIDR (masquerade of traffic from elsewhere). */
  clusterCidr: string;
  /** Routed into the host (dev lo) so the host reaches VIPs and unmatched VIP traffic stays here. */
  serviceCidr: string;
  /** The kube-dns ClusterIP this node answers itself; absent: no DNS server. */
  clusterDns?: string;
  clusterDomain: string;
  /** The pod bridge gateway: where pods' DNS queries are DNATed to. */
  podGateway: string;
  /** Coalescing window; default 200 ms. */
  minSyncIntervalMs?: number;
  /** Upstream resolvers for other names (default: the host's /etc/resolv.conf). */
  upstreams?: Upstream[];
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface SyncStats {
  syncs: number;
  /** Syncs that rewrote the whole table. */
  fullSyncs: number;
  /** Wall time of the last `nft -f` run (ms) and the rendered program's size. */
  lastApplyMs: number;
  lastRenderMs: number;
  lastBytes: number;
}

export interface NodeProxy {
  readonly table: string;
  readonly dns?: DnsServer;
  readonly stats: SyncStats;
  /** Resolves after the next sync that starts after this call (tests, benchmarks). */
  flush(): Promise<void>;
  /** Removes the table and route; synchronous. Idempotent. */
  stop(): void;
}

const ROUTE_PROTO = '78';

export async function startNodeProxy(opts: NodeProxyOptions, signal: AbortSignal): Promise<NodeProxy> {
  const table = tableName(opts.nodeName);
  const interval = opts.minSyncIntervalMs ?? 200;
  const stats: SyncStats = { syncs: 0, fullSyncs: 0, lastApplyMs: 0, lastRenderMs: 0, lastBytes: 0 };
  const data: ClusterDnsData = dnsDataFromInformers(opts.informers);
  const upstreams = opts.upstreams ?? (await upstreamsFromResolvConf('/etc/resolv.conf', opts.clusterDns ? [opts.clusterDns] : []));
  const dns = opts.clusterDns
    ? await startDnsServer({
        data,
        zone: opts.clusterDomain,
        ownedCidrs: [opts.serviceCidr, opts.clusterCidr],
        upstreams: () => upstreams,
        log: opts.log,
      })
    : undefined;

  await runCommand('ip', ['route', 'replace', opts.serviceCidr, 'dev', 'lo', 'proto', ROUTE_PROTO]).catch((e: unknown) => {
    opts.log('proxy: could not route the service CIDR into the host', { cidr: opts.serviceCidr, error: String(e) });
  });

  let applied: Ruleset | undefined;
  let dirty = true;
  let running = false;
  let lastStart = 0;
  let timer: NodeJS.Timeout | undefined;
  let waiters: (() => void)[] = [];
  let stopped = false;

  const sync = async (): Promise<void> => {
    running = true;
    dirty = false;
    lastStart = Date.now();
    const done = waiters;
    waiters = [];
    try {
      const t0 = performance.now();
      const ports = buildServicePorts(opts.informers.services.store.list(), opts.informers.slices.store.list(), { nodeName: opts.nodeName });
      const next = buildRuleset(ports, {
        table,
        clusterCidr: opts.clusterCidr,
        dns: dns && opts.clusterDns ? { ip: opts.clusterDns, port: dns.port, podTarget: opts.podGateway } : undefined,
      });
      const diff = applied ? renderDiff(applied, next) : undefined;
      const text = diff ?? renderFull(next);
      stats.lastRenderMs = performance.now() - t0;
      if (text && !stopped) {
        const t1 = performance.now();
        await runCommand('nft', ['-f', '-'], { input: text });
        stats.lastApplyMs = performance.now() - t1;
        stats.lastBytes = text.length;
        stats.fullSyncs += diff === undefined ? 1 : 0;
      }
      applied = next;
      stats.syncs++;
    } catch (e) {
      // What the kernel holds is unknown now: the next sync rewrites the whole table.
      applied = undefined;
      dirty = true;
      opts.log('proxy: nftables sync failed; retrying', { table, error: e instanceof Error ? e.message : String(e) });
    } finally {
      running = false;
      for (const w of done) w();
      schedule();
    }
  };
  const schedule = (): void => {
    if (stopped || running || timer || (!dirty && !waiters.length)) return;
    const wait = Math.max(0, lastStart + interval - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      void sync();
    }, wait);
  };
  const kick = (): void => {
    dirty = true;
    schedule();
  };
  for (const inf of [opts.informers.services, opts.informers.slices] as const) {
    inf.on('add', kick);
    inf.on('update', kick);
    inf.on('delete', kick);
  }

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    if (timer) clearTimeout(timer);
    void dns?.close();
    spawnSync('nft', ['-f', '-'], { input: renderDeleteTable(table), stdio: ['pipe', 'ignore', 'ignore'] });
    spawnSync('ip', ['route', 'del', opts.serviceCidr, 'dev', 'lo', 'proto', ROUTE_PROTO], { stdio: 'ignore' });
    for (const w of waiters.splice(0)) w();
  };
  signal.addEventListener('abort', stop, { once: true });
  if (signal.aborted) stop();
  kick();
  return {
    table,
    dns,
    stats,
    stop,
    flush: () =>
      new Promise<void>((resolve) => {
        if (stopped) return resolve();
        waiters.push(resolve);
        schedule();
      }),
  };
}

/** Removes a proxy table and route a crashed agent left behind (sweeps, tests). */
export function removeProxyState(nodeName: string, serviceCidr?: string): void {
  spawnSync('nft', ['-f', '-'], { input: renderDeleteTable(tableName(nodeName)), stdio: ['pipe', 'ignore', 'ignore'] });
  if (serviceCidr) spawnSync('ip', ['route', 'del', serviceCidr, 'dev', 'lo', 'proto', ROUTE_PROTO], { stdio: 'ignore' });
}
