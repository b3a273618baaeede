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

/** The table's content, structured so that two of them can be compared (renderDiff). */
export interface Ruleset {
  table: string;
  /** Verdict maps: name → type and elements (key → verdict). */
  maps: Map<string, { type: string; elements: Map<string, string> }>;
  /** Affinity sets: name → definition (one line, `type ...; flags ...; timeout ...;`). */
  sets: Map<string, string>;
  /** Hooked and helper chains whose change needs a full rewrite. */
  base: Map<string, string[]>;
  /** Per-Service chains: name → rules. */
  chains: Map<string, string[]>;
}

/** The nft program for `ports` (from buildServicePorts). Deterministic for equal input. */
export function renderRuleset(ports: readonly ProxyServicePort[], opts: RulesetOptions): string {
  return renderFull(buildRuleset(ports, opts));
}

export function buildRuleset(ports: readonly ProxyServicePort[], opts: RulesetOptions): Ruleset {
  const elements = {
    'service-ips': new Map<string, string>(),
    'service-nodeports': new Map<string, string>(),
    'no-endpoint-services': new Map<string, string>(),
    'no-endpoint-nodeports': new Map<string, string>(),
  };
  const chains = new Map<string, string[]>();
  const sets = new Map<string, string>();

  for (const sp of ports) {
    if (opts.dns && sp.clusterIP === opts.dns.ip && sp.port === 53) continue; // served by the DNS rules
    const base = chainSuffix(sp);
    const svcChain = `service-${base}`;
    const extChain = `external-${base}`;
    const key = (ip: string): string => `${ip} . ${sp.protocol} . ${sp.port}`;
    const internalVerdict = sp.internal.length ? `goto ${svcChain}` : sp.hasEndpoints ? 'drop' : 'goto reject-chain';
    const externalVerdict = sp.external.length ? `goto ${extChain}` : sp.hasEndpoints ? 'drop' : 'goto reject-chain';
    elements[sp.internal.length ? 'service-ips' : 'no-endpoint-services'].set(key(sp.clusterIP), internalVerdict);
    for (const ip of sp.externalIPs) elements[sp.external.length ? 'service-ips' : 'no-endpoint-services'].set(key(ip), externalVerdict);
    if (sp.nodePort) elements[sp.external.length ? 'service-nodeports' : 'no-endpoint-nodeports'].set(`${sp.protocol} . ${sp.nodePort}`, externalVerdict);

    const endpointChain = (e: ProxyEndpoint): string => `endpoint-${base}__${e.ip}/${e.port}`;
    const affinitySet = (e: ProxyEndpoint): string => `affinity-${hash(`${sp.id}|${e.ip}:${e.port}`)}`;
    for (const e of uniqueEndpoints([...sp.internal, ...sp.external])) {
      const lines = [`ip saddr ${e.ip} jump mark-for-masquerade`];
      if (sp.affinitySeconds) {
        sets.set(affinitySet(e), `type ipv4_addr; flags dynamic,timeout; timeout ${sp.affinitySeconds}s;`);
        lines.push(`update @${affinitySet(e)} { ip saddr }`);
      }
      lines.push(`meta l4proto ${sp.protocol} dnat to ${e.ip}:${e.port}`);
      chains.set(endpointChain(e), lines);
    }
    const balance = (eps: readonly ProxyEndpoint[]): string[] => [
      ...(sp.affinitySeconds ? eps.map((e) => `ip saddr @${affinitySet(e)} goto ${endpointChain(e)}`) : []),
      eps.length === 1
        ? `goto ${endpointChain(eps[0]!)}`
        : `numgen random mod ${eps.length} vmap { ${eps.map((e, i) => `${i} : goto ${endpointChain(e)}`).join(', ')} }`,
    ];
    if (sp.internal.length) {
      chains.set(svcChain, [`ip daddr ${sp.clusterIP} ip saddr != ${opts.clusterCidr} jump mark-for-masquerade`, ...balance(sp.internal)]);
    }
    if (sp.external.length && (sp.nodePort || sp.externalIPs.length)) {
      const mark = sp.externalLocal ? [] : ['jump mark-for-masquerade'];
      const sameAsInternal = sp.internal.length && sameEndpoints(sp.internal, sp.external);
      chains.set(extChain, [...mark, ...(sameAsInternal ? [`goto ${svcChain}`] : balance(sp.external))]);
    }
  }

  const dnsNat = (target: string): string[] =>
    opts.dns ? ['udp', 'tcp'].map((p) => `ip daddr ${opts.dns!.ip} ${p} dport 53 dnat to ${target}:${opts.dns!.port}`) : [];
  const rejects = [
    'ct state new ip daddr . meta l4proto . th dport vmap @no-endpoint-services',
    'ct state new fib daddr type local meta l4proto . th dport vmap @no-endpoint-nodeports',
  ];
  const dnsGuard = opts.dns ? [`meta l4proto { tcp, udp } th dport ${opts.dns.port} iifname != "lo" ct status & dnat == 0 drop`] : [];
  const base = new Map<string, string[]>([
    ['reject-chain', ['reject']],
    ['mark-for-masquerade', [`meta mark set meta mark | ${MASQUERADE_MARK}`]],
    ['masquerading', [`meta mark & ${MASQUERADE_MARK} == 0 return`, `meta mark set meta mark ^ ${MASQUERADE_MARK}`, 'masquerade fully-random']],
    // Rejects in prerouting (allowed since Linux 5.13): VIP traffic from pods is routed into `lo`
    // and dropped before the forward hook would see it.
    ['filter-prerouting', ['type filter hook prerouting priority -110; policy accept;', ...rejects]],
    ...(dnsGuard.length ? [['filter-input', ['type filter hook input priority -110; policy accept;', ...dnsGuard]] as [string, string[]]] : []),
    ['filter-output', ['type filter hook output priority -110; policy accept;', ...rejects]],
    ['nat-prerouting', ['type nat hook prerouting priority -100; policy accept;', ...dnsNat(opts.dns?.podTarget ?? ''), 'jump services']],
    ['nat-output', ['type nat hook output priority -100; policy accept;', ...dnsNat('127.0.0.1'), 'jump services']],
    ['nat-postrouting', ['type nat hook postrouting priority 100; policy accept;', 'jump masquerading']],
    [
      'services',
      ['ip daddr . meta l4proto . th dport vmap @service-ips', 'fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports'],
    ],
  ]);
  const addrKey = 'ipv4_addr . inet_proto . inet_service';
  const portKey = 'inet_proto . inet_service';
  const maps = new Map([
    ['service-ips', { type: addrKey, elements: elements['service-ips'] }],
    ['service-nodeports', { type: portKey, elements: elements['service-nodeports'] }],
    ['no-endpoint-services', { type: addrKey, elements: elements['no-endpoint-services'] }],
    ['no-endpoint-nodeports', { type: portKey, elements: elements['no-endpoint-nodeports'] }],
  ]);
  return { table: opts.table, maps, sets, base, chains };
}

/** The whole table, replacing whatever is there (`add; delete; define` in one transaction). */
export function renderFull(r: Ruleset): string {
  const out: string[] = [];
  for (const [name, m] of r.maps)
    out.push(
      map(
        name,
        m.type,
        [...m.elements].map(([k, v]) => `${k} : ${v}`),
      ),
    );
  for (const [name, def] of r.sets)
    out.push(
      block(
        `set ${name}`,
        def.split('; ').map((l) => l.replace(/;$/, '')),
      ),
    );
  for (const [name, lines] of r.base) out.push(block(`chain ${name}`, lines));
  for (const [name, lines] of r.chains) out.push(block(`chain ${name}`, lines));
  const t = r.table;
  return `add table ip ${t}\ndelete table ip ${t}\n${block(
    `table ip ${t}`,
    out.flatMap((b) => b.split('\n')),
  )}\n`;
}

/**
 * The commands that turn table `prev` into `next` in one transaction, touching only what changed
 * (as upstream's partial syncs): '' when nothing did; undefined when a base chain or a set's
 * definition changed, which needs renderFull. Order matters inside the transaction: chains are
 * added before rules and map elements point at them, and removed only after nothing does.
 */
export function renderDiff(prev: Ruleset, next: Ruleset): string | undefined {
  if (prev.table !== next.table || !sameMapOfLines(prev.base, next.base)) return undefined;
  for (const [name, def] of next.sets) if (prev.sets.has(name) && prev.sets.get(name) !== def) return undefined;
  const t = `ip ${next.table}`;
  const out: string[] = [];
  for (const name of next.chains.keys()) if (!prev.chains.has(name)) out.push(`add chain ${t} ${name}`);
  for (const [name, def] of next.sets) if (!prev.sets.has(name)) out.push(`add set ${t} ${name} { ${def} }`);
  for (const [name, lines] of next.chains) {
    const old = prev.chains.get(name);
    if (old && sameLines(old, lines)) continue;
    if (old) out.push(`flush chain ${t} ${name}`);
    for (const l of lines) out.push(`add rule ${t} ${name} ${l}`);
  }
  for (const [name, m] of next.maps) {
    const before = prev.maps.get(name)?.elements ?? new Map<string, string>();
    const removed = [...before].filter(([k, v]) => m.elements.get(k) !== v).map(([k]) => k);
    const added = [...m.elements].filter(([k, v]) => before.get(k) !== v).map(([k, v]) => `${k} : ${v}`);
    if (removed.length) out.push(`delete element ${t} ${name} { ${removed.join(', ')} }`);
    if (added.length) out.push(`add element ${t} ${name} { ${added.join(', ')} }`);
  }
  const gone = [...prev.chains.keys()].filter((n) => !next.chains.has(n));
  for (const name of gone) out.push(`flush chain ${t} ${name}`);
  for (const name of gone) out.push(`delete chain ${t} ${name}`);
  for (const name of prev.sets.keys()) if (!next.sets.has(name)) out.push(`delete set ${t} ${name}`);
  return out.length ? `${out.join('\n')}\n` : '';
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

function sameMapOfLines(a: Map<string, string[]>, b: Map<string, string[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || !sameLines(v, w)) return false;
  }
  return true;
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
