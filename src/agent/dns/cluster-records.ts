// Answers for the cluster domain, as CoreDNS's kubernetes plugin gives them (pods "insecure"):
//
//   <svc>.<ns>.svc.<zone>               A: the ClusterIP; headless: every ready endpoint's IP;
//                                       ExternalName: CNAME to spec.externalName
//   <host>.<svc>.<ns>.svc.<zone>        A: the endpoint whose hostname (or dashed IP) is <host>
//                                       (StatefulSet pods: db-0.db.default.svc.cluster.local)
//   _<port>._<proto>.<svc>.<ns>.svc...  SRV per named port (headless: one per endpoint)
//   <a-b-c-d>.<ns>.pod.<zone>           A: a.b.c.d
//   d.c.b.a.in-addr.arpa                PTR for Service IPs and endpoint IPs
//
// A name that exists without the asked type is NODATA (NOERROR, empty answer); one that does
// not exist is NXDOMAIN. Both carry the zone's SOA so resolvers cache the negative answer.
// Names outside the zone (and reverse names of unknown IPs outside the cluster's ranges) are
// `forward`: the caller asks the node's upstream resolvers.
import type { Answer, SoaAnswer } from 'dns-packet';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

export const DNS_TTL = 5;
export const NOERROR = 0;
export const NXDOMAIN = 3;

/** Read access to the agent's informer caches. */
export interface ClusterDnsData {
  service(namespace: string, name: string): Service | undefined;
  /** The EndpointSlices of a Service (label kubernetes.io/service-name). */
  slices(namespace: string, service: string): EndpointSlice[];
  /** Whether any Service lives in the namespace (the `<ns>.svc.<zone>` name exists). */
  hasNamespace(namespace: string): boolean;
  serviceByIP(ip: string): Service | undefined;
  /** Endpoint of a Service with this address: for PTR. */
  endpointByIP(ip: string): { slice: EndpointSlice; hostname?: string } | undefined;
}

export interface ClusterRecordsOptions {
  zone: string;
  /** Reverse names of IPs inside these CIDRs are ours: unknown → NXDOMAIN instead of forward. */
  ownedCidrs?: string[];
}

export type Lookup = { kind: 'answer'; rcode: number; answers: Answer[]; additionals: Answer[]; authorities: Answer[] } | { kind: 'forward' };

export function lookupCluster(name: string, type: string, data: ClusterDnsData, opts: ClusterRecordsOptions): Lookup {
  const zone = opts.zone.toLowerCase().replace(/\.$/, '');
  const qname = name.toLowerCase().replace(/\.$/, '');
  const soa = soaRecord(zone);
  const answer = (answers: Answer[], additionals: Answer[] = []): Lookup =>
    answers.length
      ? { kind: 'answer', rcode: NOERROR, answers, additionals, authorities: [] }
      : { kind: 'answer', rcode: NOERROR, answers: [], additionals: [], authorities: [soa] };
  const nxdomain: Lookup = { kind: 'answer', rcode: NXDOMAIN, answers: [], additionals: [], authorities: [soa] };

  if (qname.endsWith('.in-addr.arpa')) return reverse(qname, data, opts, zone);
  if (qname !== zone && !qname.endsWith(`.${zone}`)) return { kind: 'forward' };
  const labels = qname === zone ? [] : qname.slice(0, -zone.length - 1).split('.');
  const rr = (type: Answer['type'], data: unknown, n = qname): Answer => ({ type, name: n, ttl: DNS_TTL, class: 'IN', data }) as Answer;

  if (labels.length === 0) return type === 'SOA' ? answer([soa]) : answer([]);
  const kindLabel = labels[labels.length - 1];
  if (kindLabel === 'pod') {
    if (labels.length === 1 || labels.length === 2) return answer([]);
    if (labels.length !== 3) return nxdomain;
    const ip = labels[0]!.replace(/-/g, '.');
    if (!isIPv4(ip)) return nxdomain;
    return answer(type === 'A' ? [rr('A', ip)] : []);
  }
  if (kindLabel !== 'svc') return nxdomain;
  if (labels.length === 1) return answer([]);
  const ns = labels[labels.length - 2]!;
  if (labels.length === 2) return data.hasNamespace(ns) ? answer([]) : nxdomain;
  const svcName = labels[labels.length - 3]!;
  const svc = data.service(ns, svcName);
  if (!svc) return nxdomain;
  const svcFqdn = `${svcName}.${ns}.svc.${zone}`;
  const headless = svc.spec?.clusterIP === 'None';
  const endpoints = headless ? readyEndpoints(data.slices(ns, svcName)) : [];

  if (labels.length === 3) {
    if (svc.spec?.type === 'ExternalName') {
      const target = (svc.spec.externalName ?? '').replace(/\.$/, '');
      return target ? answer([rr('CNAME', target)]) : nxdomain;
    }
    if (type === 'A') return answer(headless ? [...new Set(endpoints.map((e) => e.ip))].map((ip) => rr('A', ip)) : [rr('A', svc.spec?.clusterIP ?? '')]);
    if (type === 'SRV') return srv(svc, svcFqdn, endpoints, undefined, undefined, rr);
    return answer([]);
  }
  if (labels.length === 4) {
    // <host>.<svc>: an endpoint of a headless Service by hostname or dashed IP.
    const host = labels[0]!;
    const match = endpoints.filter((e) => e.host === host);
    if (!match.length) return nxdomain;
    return answer(type === 'A' ? match.map((e) => rr('A', e.ip)) : []);
  }
  if (labels.length === 5 && labels[0]!.startsWith('_') && labels[1]!.startsWith('_')) {
    return srv(svc, svcFqdn, endpoints, labels[0]!.slice(1), labels[1]!.slice(1), rr, type);
  }
  return nxdomain;

  function srv(
    s: Service,
    fqdn: string,
    eps: ReadyEndpoint[],
    portName: string | undefined,
    proto: string | undefined,
    make: typeof rr,
    qtype = 'SRV',
  ): Lookup {
    const ports = (s.spec?.ports ?? []).filter(
      (p) => (portName === undefined || (p.name ?? '') === portName) && (proto === undefined || (p.protocol ?? 'TCP').toLowerCase() === proto),
    );
    if (!ports.length) return nxdomain;
    if (qtype !== 'SRV') return answer([]);
    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    for (const p of ports) {
      if (!headless) {
        answers.push(make('SRV', { priority: 0, weight: 100, port: p.port, target: fqdn }));
        additionals.push(make('A', s.spec?.clusterIP ?? '', fqdn));
        continue;
      }
      for (const e of eps.filter((x) => x.ports.has(p.name ?? ''))) {
        const target = `${e.host}.${fqdn}`;
        answers.push(make('SRV', { priority: 0, weight: 100, port: e.ports.get(p.name ?? '')!, target }));
        additionals.push(make('A', e.ip, target));
      }
    }
    return answer(answers, additionals);
  }
}

interface ReadyEndpoint {
  ip: string;
  /** The endpoint's hostname, else its IP with dashes. */
  host: string;
  /** Port name → endpoint port. */
  ports: Map<string, number>;
}

/** Ready endpoints (a Service with publishNotReadyAddresses has all of them marked ready by its controller). */
function readyEndpoints(slices: readonly EndpointSlice[]): ReadyEndpoint[] {
  const out: ReadyEndpoint[] = [];
  for (const s of slices) {
    if ((s.addressType ?? 'IPv4') !== 'IPv4') continue;
    const ports = new Map((s.ports ?? []).map((p) => [p.name ?? '', p.port ?? 0] as const));
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      for (const ip of e.addresses ?? []) out.push({ ip, host: (e.hostname ?? ip.replace(/\./g, '-')).toLowerCase(), ports });
    }
  }
  return out;
}

function reverse(qname: string, data: ClusterDnsData, opts: ClusterRecordsOptions, zone: string): Lookup {
  const parts = qname.slice(0, -'.in-addr.arpa'.length).split('.');
  if (parts.length !== 4) return { kind: 'forward' };
  const ip = parts.reverse().join('.');
  if (!isIPv4(ip)) return { kind: 'forward' };
  const ptr = (target: string): Lookup => ({
    kind: 'answer',
    rcode: NOERROR,
    additionals: [],
    authorities: [],
    answers: [{ type: 'PTR', name: qname, ttl: DNS_TTL, class: 'IN', data: target }],
  });
  const svc = data.serviceByIP(ip);
  if (svc) return ptr(`${svc.metadata?.name}.${svc.metadata?.namespace}.svc.${zone}`);
  const ep = data.endpointByIP(ip);
  const svcName = ep?.slice.metadata?.labels?.['kubernetes.io/service-name'];
  if (ep && svcName) return ptr(`${ep.hostname ?? ip.replace(/\./g, '-')}.${svcName}.${ep.slice.metadata?.namespace}.svc.${zone}`);
  if ((opts.ownedCidrs ?? []).some((c) => inCidr(ip, c))) {
    return { kind: 'answer', rcode: NXDOMAIN, answers: [], additionals: [], authorities: [soaRecord(zone)] };
  }
  return { kind: 'forward' };
}

function soaRecord(zone: string): SoaAnswer {
  return {
    type: 'SOA',
    name: zone,
    ttl: DNS_TTL,
    class: 'IN',
    data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: DNS_TTL },
  };
}

export function isIPv4(s: string): boolean {
  const p = s.split('.');
  return p.length === 4 && p.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/') as [string, string | undefined];
  const bits = Number(bitsText ?? 32);
  if (!isIPv4(ip) || !isIPv4(base)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(ip) & mask) >>> 0 === (toInt(base) & mask) >>> 0;
}

function toInt(ip: string): number {
  return ip.split('.').reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0);
}
