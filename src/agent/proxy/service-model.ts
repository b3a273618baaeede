// What the node proxy programs, computed from Services and EndpointSlices: one entry per Service
// port, with the endpoints each kind of traffic may go to on this node. Pure: the nft text is
// made from this in nft-ruleset.ts. The endpoint choice follows kube-proxy's CategorizeEndpoints:
//
//   usable(eps)  = ready ones; when none is ready, the serving+terminating ones (a Service keeps
//                  answering while its last pods drain)
//   cluster      = usable(all endpoints)          local = usable(endpoints on this node)
//   ClusterIP    → internalTrafficPolicy Local ? local : cluster
//   NodePort/LB  → externalTrafficPolicy Local ? local : cluster   (Local keeps the client IP)
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface ProxyEndpoint {
  ip: string;
  port: number;
}

export interface ProxyServicePort {
  /** `ns/name/proto/portName` (portName may be empty), unique and stable: chain names derive from it. */
  id: string;
  namespace: string;
  name: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  /** 0 when the Service has none. */
  nodePort: number;
  /** LoadBalancer ingress IPs and spec.externalIPs: reached like the node port, at `port`. */
  externalIPs: string[];
  /** sessionAffinity ClientIP: seconds a client sticks to its endpoint; 0 = no affinity. */
  affinitySeconds: number;
  /** Where ClusterIP traffic goes; empty + `hasEndpoints` false → REJECT. */
  internal: ProxyEndpoint[];
  /** Where node-port / external traffic goes. */
  external: ProxyEndpoint[];
  /** externalTrafficPolicy Local: no masquerade of external traffic (the pod sees the client). */
  externalLocal: boolean;
  /** Whether the Service has any usable endpoint anywhere (no → REJECT, else a missing local one → drop). */
  hasEndpoints: boolean;
}

/** Endpoints of one Service port as the slices list them, with their conditions. */
interface SliceEndpoint extends ProxyEndpoint {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
}

/**
 * The Service ports this node programs, sorted by id. Headless and ExternalName Services and ports
 * that cannot be proxied (no ClusterIP) are skipped. `slices` may hold slices of any Service.
 */
export function buildServicePorts(services: readonly Service[], slices: readonly EndpointSlice[], opts: { nodeName: string }): ProxyServicePort[] {
  const byService = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc || (s.addressType ?? 'IPv4') !== 'IPv4') continue;
    const key = `${s.metadata?.namespace ?? ''}/${svc}`;
    byService.set(key, [...(byService.get(key) ?? []), s]);
  }
  const out: ProxyServicePort[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    const clusterIP = spec?.clusterIP;
    if (!spec || spec.type === 'ExternalName' || !clusterIP || clusterIP === 'None' || clusterIP.includes(':')) continue;
    const namespace = svc.metadata?.namespace ?? '';
    const name = svc.metadata?.name ?? '';
    const svcSlices = byService.get(`${namespace}/${name}`) ?? [];
    const externalIPs = [...(spec.externalIPs ?? []), ...(svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(Boolean)].filter(
      (ip) => !ip.includes(':'),
    );
    for (const port of spec.ports ?? []) {
      const protocol = (port.protocol ?? 'TCP').toLowerCase() as Protocol;
      const eps = sliceEndpoints(svcSlices, port);
      const cluster = usable(eps);
      const local = usable(eps.filter((e) => e.nodeName === opts.nodeName));
      const externalLocal = spec.externalTrafficPolicy === 'Local' && (spec.type === 'NodePort' || spec.type === 'LoadBalancer');
      out.push({
        id: `${namespace}/${name}/${protocol}/${port.name ?? ''}`,
        namespace,
        name,
        protocol,
        clusterIP,
        port: port.port,
        nodePort: spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? (port.nodePort ?? 0) : 0,
        externalIPs: [...new Set(externalIPs)],
        affinitySeconds: spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : 0,
        internal: spec.internalTrafficPolicy === 'Local' ? local : cluster,
        external: externalLocal ? local : cluster,
        externalLocal,
        hasEndpoints: cluster.length > 0,
      });
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The slices' endpoints for one Service port (matched by port name, as the slice controller names them). */
function sliceEndpoints(slices: readonly EndpointSlice[], port: ServicePort): SliceEndpoint[] {
  const seen = new Set<string>();
  const out: SliceEndpoint[] = [];
  for (const s of slices) {
    const p = (s.ports ?? []).find((sp) => (sp.name ?? '') === (port.name ?? '') && (sp.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
    if (!p?.port) continue;
    for (const e of s.endpoints ?? []) {
      const ip = e.addresses?.[0];
      if (!ip || seen.has(`${ip}:${p.port}`)) continue;
      seen.add(`${ip}:${p.port}`);
      // Unset conditions mean ready (API contract); serving defaults to ready.
      const ready = e.conditions?.ready ?? true;
      out.push({
        ip,
        port: p.port,
        ready,
        serving: e.conditions?.serving ?? ready,
        terminating: e.conditions?.terminating ?? false,
        nodeName: e.nodeName,
      });
    }
  }
  return out;
}

function usable(eps: readonly SliceEndpoint[]): ProxyEndpoint[] {
  const ready = eps.filter((e) => e.ready && !e.terminating);
  const chosen = ready.length ? ready : eps.filter((e) => e.serving && e.terminating);
  return chosen.map(({ ip, port }) => ({ ip, port })).sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port));
}
