// Service machinery inside the API server: ClusterIP/NodePort allocation and the system Services.
export { parseIpRange, nthAddress, type IpRange } from './ip-range.ts';
export { ServiceAllocator, parsePortRange, nodePortsOf, type PortRange } from './service-allocator.ts';
export { ensureSystemServices, advertiseAddress, KUBE_DNS_LABELS, KUBERNETES_SERVICE_NAMES } from './system-services.ts';
export { needsClusterIP, needsNodePorts, isHeadless, serviceType, HEADLESS } from './service-shape.ts';

/** Upstream defaults differ (10.0.0.0/24); Peapod follows k3s. */
export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';
