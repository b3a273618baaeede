// Which allocated fields a Service of a given shape carries (upstream's needsClusterIP /
// needsNodePort / needsHCNodePort helpers), shared by the allocator, defaulting and validation.
import type { Service } from 'kubernetes-types/core/v1.js';

export const HEADLESS = 'None';

export function serviceType(svc: Service): string {
  return svc.spec?.type ?? 'ClusterIP';
}

export function needsClusterIP(svc: Service): boolean {
  return serviceType(svc) !== 'ExternalName';
}

export function needsNodePorts(svc: Service): boolean {
  const t = serviceType(svc);
  if (t === 'NodePort') return true;
  return t === 'LoadBalancer' && svc.spec?.allocateLoadBalancerNodePorts !== false;
}

export function needsHealthCheckNodePort(svc: Service): boolean {
  return serviceType(svc) === 'LoadBalancer' && svc.spec?.externalTrafficPolicy === 'Local';
}

export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === HEADLESS;
}
