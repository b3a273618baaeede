// A pod's /etc/resolv.conf settings per dnsPolicy, as kubelet computes them:
//
//   ClusterFirst (default), ClusterFirstWithHostNet → nameserver <cluster DNS>,
//       search <ns>.svc.<domain> svc.<domain> <domain> + the host's search list, options ndots:5
//       (a hostNetwork pod with plain ClusterFirst, or a node without cluster DNS: as Default)
//   Default → the host's nameservers, search list and options
//   None    → nothing but what dnsConfig says
//
// dnsConfig is merged on top of every policy: nameservers and searches appended without
// duplicates, options replacing same-named ones.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { SandboxConfig } from '../runtime/index.ts';

/** kubelet's limits (validation allows no more; the host's list is cut to fit). */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

export interface ClusterDnsSettings {
  /** kubelet --cluster-dns; empty: ClusterFirst behaves as Default. */
  servers: string[];
  /** kubelet --cluster-domain. */
  domain: string;
  /** The node's own resolv.conf, parsed. */
  host: { nameservers: string[]; searches: string[]; options: string[] };
}

export function podDnsConfig(pod: Pod, cluster: ClusterDnsSettings): NonNullable<SandboxConfig['dns']> {
  const spec = pod.spec;
  const policy = spec?.dnsPolicy ?? 'ClusterFirst';
  const ns = pod.metadata?.namespace ?? 'default';
  const clusterFirst = cluster.servers.length > 0 && (policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !spec?.hostNetwork));
  let nameservers: string[];
  let searches: string[];
  let options: string[];
  if (policy === 'None') {
    [nameservers, searches, options] = [[], [], []];
  } else if (clusterFirst) {
    const d = cluster.domain;
    nameservers = [...cluster.servers];
    searches = [`${ns}.svc.${d}`, `svc.${d}`, d, ...cluster.host.searches];
    options = ['ndots:5'];
  } else {
    nameservers = [...cluster.host.nameservers];
    searches = [...cluster.host.searches];
    options = [...cluster.host.options];
  }
  const extra = spec?.dnsConfig;
  if (extra) {
    nameservers = [...nameservers, ...(extra.nameservers ?? [])];
    searches = [...searches, ...(extra.searches ?? [])];
    const podOptions = (extra.options ?? []).map((o) => (o.value !== undefined && o.value !== '' ? `${o.name ?? ''}:${o.value}` : (o.name ?? '')));
    const names = new Set(podOptions.map(optionName));
    options = [...options.filter((o) => !names.has(optionName(o))), ...podOptions];
  }
  return {
    nameservers: dedupe(nameservers).slice(0, MAX_NAMESERVERS),
    searches: dedupe(searches).slice(0, MAX_SEARCHES),
    options: dedupe(options),
  };
}

function optionName(o: string): string {
  return o.split(':')[0] ?? o;
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list.filter(Boolean))];
}
