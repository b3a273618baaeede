// The node proxy's whole nftables table as one `nft -f` program, in the shape of kube-proxy's
// nftables mode: verdict maps keyed by `ip . proto . port` send new connections to one chain per
// Service port, which picks an endpoint with `numgen random mod N` and DNATs to it. The program
// starts with `add table; delete table` so that applying it replaces the table atomically.
//
//   prerouting/output (nat, -100) ─► [kube-dns IP:53 → this agent's DNS listener]
//                                  ─► services: @service-ips / node ports ─► service-* / external-*
//                                                                              └─► endpoint-* (DNAT)
//   prerouting/output (filter, -110, before DNAT) ─► @no-endpoint-* ─► reject (no endpoints)
//                                                                        or drop (no local ones)
//   postrouting (nat, 100) ─► masquerade what mark-for-masquerade marked (0x4000)
//
// Masquerade (as upstream): ClusterIP traffic from outside the pod CIDR, node-port/external traffic
// unless externalTrafficPolicy is Local, and hairpin (a pod reaching itself through its Service).
// nft 1.0.6 wants one statement per line and numeric hook priorities (no `dstnat` on output).
import { createHash } from 'node:crypto';
import type { ProxyEndpoint, ProxyServicePort } from './service-model.ts';

export const MASQUERADE_MARK = '0x4000';

export interface RulesetOptions {
  /** nft table name (family ip), unique per agent on the machine. */
  table: string;
  /** The cluster's pod CIDR: ClusterIP traffic from elsewhere is masqueraded. */
  clusterCidr: string;
  /**
   * Node-local DNS: new connections to `ip`:53 (udp and tcp) go to this agent's listener on
   * `port`, at `podTarget` (an address of this host that pods reach, their bridge gateway) for
   * pod traffic and at 127.0.0.1 for the host's own. Other sources cannot reach the listener port.
   */
  dns?: { ip: string; port: number; podTarget: string };
}

/** The nft program for `ports` (from buildServicePorts). Deterministic for equal input. */
export function renderRuleset(ports: readonly ProxyServicePort[], opts: RulesetOptions): string {
  const t = opts.table;
  const serviceIps: string[] = [];
  const nodePorts: string[] = [];
  const noEndpointServices: string[] = [];
  const noEndpointNodePorts: string[] = [];
  const chains: string[] = [];
  const sets: string[] = [];

  for (const sp of ports) {
    if (opts.dns && sp.clusterIP === opts.dns.ip && sp.port === 53) continue; // served by the DNS rules
    const base = chainSuffix(sp);
    const svcChain = `service-${base}`;
    const extChain = `external-${base}`;
    const key = (ip: string): string => `${ip} . ${sp.protocol} . ${sp.port}`;
    const internalVerdict = sp.internal.length ? `goto ${svcChain}` : sp.hasEndpoints ? 'drop' : 'goto reject-chain';
    const externalVerdict = sp.external.length ? `goto ${extChain}` : sp.hasEndpoints ? 'drop' : 'goto reject-chain';
    (sp.internal.length ? serviceIps : noEndpointServices).push(`${key(sp.clusterIP)} : ${internalVerdict}`);
    for (const ip of sp.externalIPs) (sp.external.length ? serviceIps : noEndpointServices).push(`${key(ip)} : ${externalVerdict}`);
    if (sp.nodePort) (sp.external.length ? nodePorts : noEndpointNodePorts).push(`${sp.protocol} . ${sp.nodePort} : ${externalVerdict}`);

    const endpointChain = (e: ProxyEndpoint): string => `endpoint-${base}__${e.ip}/${e.port}`;
    const affinitySet = (e: ProxyEndpoint): string => `affinity-${hash(`${sp.id}|${e.ip}:${e.port}`)}`;
    const all = uniqueEndpoints([...sp.internal, ...sp.external]);
    for (const e of all) {
      const lines = [`ip saddr ${e.ip} jump mark-for-masquerade`];
      if (sp.affinitySeconds) {
        sets.push(block(`set ${affinitySet(e)}`, ['type ipv4_addr', 'flags dynamic,timeout', `timeout ${sp.affinitySeconds}s`]));
        lines.push(`update @${affinitySet(e)} { ip saddr }`);
      }
      lines.push(`meta l4proto ${sp.protocol} dnat to ${e.ip}:${e.port}`);
      chains.push(block(`chain ${endpointChain(e)}`, lines));
    }
    const balance = (eps: readonly ProxyEndpoint[]): string[] => [
      ...(sp.affinitySeconds ? eps.map((e) => `ip saddr @${affinitySet(e)} goto ${endpointChain(e)}`) : []),
      eps.length === 1
        ? `goto ${endpointChain(eps[0]!)}`
        : `numgen random mod ${eps.length} vmap { ${eps.map((e, i) => `${i} : goto ${endpointChain(e)}`).join(', ')} }`,
    ];
    if (sp.internal.length) {
      chains.push(block(`chain ${svcChain}`, [`ip daddr ${sp.clusterIP} ip saddr != ${opts.clusterCidr} jump mark-for-masquerade`, ...balance(sp.internal)]));
    }
    if (sp.external.length && (sp.nodePort || sp.externalIPs.length)) {
      const mark = sp.externalLocal ? [] : ['jump mark-for-masquerade'];
      const sameAsInternal = sp.internal.length && sameEndpoints(sp.internal, sp.external);
      chains.push(block(`chain ${extChain}`, [...mark, ...(sameAsInternal ? [`goto ${svcChain}`] : balance(sp.external))]));
    }
  }

  const servicesChain = ['ip daddr . meta l4proto . th dport vmap @service-ips'];
  servicesChain.push('fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports');
  const dnsNat = (target: string): string[] => opts.dns
    ? ['udp', 'tcp'].map((p) => `ip daddr ${opts.dns!.ip} ${p} dport 53 dnat to ${target}:${opts.dns!.port}`)
    : [];
  const rejects = [
    'ct state new ip daddr . meta l4proto . th dport vmap @no-endpoint-services',
    'ct state new fib daddr type local meta l4proto . th dport vmap @no-endpoint-nodeports',
  ];
  const dnsGuard = opts.dns ? [`meta l4proto { tcp, udp } th dport ${opts.dns.port} iifname != "lo" ct status & dnat == 0 drop`] : [];

  const body = [
    map('service-ips', 'ipv4_addr . inet_proto . inet_service', serviceIps),
    map('service-nodeports', 'inet_proto . inet_service', nodePorts),
    map('no-endpoint-services', 'ipv4_addr . inet_proto . inet_service', noEndpointServices),
    map('no-endpoint-nodeports', 'inet_proto . inet_service', noEndpointNodePorts),
    ...sets,
    block('chain reject-chain', ['reject']),
    block('chain mark-for-masquerade', [`meta mark set meta mark | ${MASQUERADE_MARK}`]),
    block('chain masquerading', [`meta mark & ${MASQUERADE_MARK} == 0 return`, `meta mark set meta mark ^ ${MASQUERADE_MARK}`, 'masquerade fully-random']),
    // Rejects in prerouting (allowed since Linux 5.13): VIP traffic from pods is routed into `lo`
    // and dropped before the forward hook would see it.
    block('chain filter-prerouting', ['type filter hook prerouting priority -110; policy accept;', ...rejects]),
    ...(dnsGuard.length ? [block('chain filter-input', ['type filter hook input priority -110; policy accept;', ...dnsGuard])] : []),
    block('chain filter-output', ['type filter hook output priority -110; policy accept;', ...rejects]),
    block('chain nat-prerouting', ['type nat hook prerouting priority -100; policy accept;', ...dnsNat(opts.dns?.podTarget ?? ''), 'jump services']),
    block('chain nat-output', ['type nat hook output priority -100; policy accept;', ...dnsNat('127.0.0.1'), 'jump services']),
    block('chain nat-postrouting', ['type nat hook postrouting priority 100; policy accept;', 'jump masquerading']),
    block('chain services', servicesChain),
    ...chains,
  ];
  return `add table ip ${t}\ndelete table ip ${t}\n${block(`table ip ${t}`, body.flatMap((b) => b.split('\n')))}\n`;
}

/** The program that removes the table (the `add` makes it succeed when the table is absent). */
export function renderDeleteTable(table: string): string {
  return `add table ip ${table}\ndelete table ip ${table}\n`;
}

/** `peapod-<node>` with characters nft identifiers allow, short enough for the kernel's limit. */
export function tableName(nodeName: string): string {
  const clean = nodeName.toLowerCase().replace(/[^a-z0-9_.-]/g, '_');
  return clean.length <= 48 ? `peapod-${clean}` : `peapod-${clean.slice(0, 39)}-${hash(nodeName)}`;
}

/** `<hash>-<ns>/<name>/<proto>/<port>`: readable in `nft list` and unique even after truncation. */
function chainSuffix(sp: ProxyServicePort): string {
  const readable = sp.id.replace(/[^a-zA-Z0-9_./-]/g, '_').slice(0, 150);
  return `${hash(sp.id)}-${readable}`;
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}

function map(name: string, type: string, elements: readonly string[]): string {
  const lines = [`type ${type} : verdict`];
  if (elements.length) lines.push(`elements = { ${elements.join(',\n    ')} }`);
  return block(`map ${name}`, lines);
}

function block(head: string, lines: readonly string[]): string {
  return `${head} {\n${lines.map((l) => `  ${l}`).join('\n')}\n}`;
}

function uniqueEndpoints(eps: readonly ProxyEndpoint[]): ProxyEndpoint[] {
  const seen = new Set<string>();
  return eps.filter((e) => !seen.has(`${e.ip}:${e.port}`) && seen.add(`${e.ip}:${e.port}`));
}

function sameEndpoints(a: readonly ProxyEndpoint[], b: readonly ProxyEndpoint[]): boolean {
  return a.length === b.length && a.every((e, i) => e.ip === b[i]!.ip && e.port === b[i]!.port);
}
