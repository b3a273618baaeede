// Service defaulting (upstream SetDefaults_Service and the strategy's create/update preparation).
// Allocated fields (clusterIP(s), ipFamilies, nodePorts) are filled by the allocator hooks.
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { writable } from '../common.ts';

/** Upstream's default ClientIP affinity timeout: 3 hours. */
export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;

export function defaultService(svc: Service): void {
  const spec = writable((writable(svc).spec ??= {}));
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = writable((spec.sessionAffinityConfig ??= {}));
    const clientIP = writable((cfg.clientIP ??= {}));
    clientIP.timeoutSeconds ??= DEFAULT_CLIENT_IP_TIMEOUT_SECONDS;
  }
  for (const port of spec.ports ?? []) {
    const p = writable(port as ServicePort);
    p.protocol ??= 'TCP';
    // targetPort unset (or 0 / "") means "the same as port".
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  // clusterIP and clusterIPs[0] name the same address; whichever the client set fills the other.
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  else if (!spec.clusterIP && spec.clusterIPs?.[0]) spec.clusterIP = spec.clusterIPs[0];
}

export function prepareServiceForCreate(svc: Service): void {
  writable(svc).status = { loadBalancer: {} };
}

/**
 * Upstream's dropTypeDependentFields: a type change clears the fields that belonged to the old
 * type when the client left them as they were (a client that changes them means it). Allocated
 * node ports and IPs are dropped by the allocator hooks, which also release them.
 */
export function dropTypeDependentFields(svc: Service, old: Service): void {
  const spec = writable(svc.spec ?? {});
  const oldSpec = old.spec ?? {};
  const externallyAccessible = spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.externalIPs ?? []).length > 0;
  if (!externallyAccessible && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) delete spec.externalTrafficPolicy;
  if (spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (spec.loadBalancerClass === oldSpec.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (spec.type === 'ExternalName' && spec.internalTrafficPolicy === oldSpec.internalTrafficPolicy) delete spec.internalTrafficPolicy;
}
