export {
  buildNode,
  nodeConditions,
  conditionsChanged,
  nodeResources,
  readMachineInfo,
  defaultNodeIp,
  healthyPressure,
  KUBELET_VERSION,
  MAX_PODS,
  type MachineInfo,
  type NodeOptions,
  type Pressure,
} from './node-status.ts';
export {
  nodeLease,
  startLeaseRenewer,
  LEASE_NAMESPACE,
  LEASE_DURATION_SECONDS,
  RENEW_INTERVAL_MS,
  type LeaseRenewerOptions,
  type LeaseTiming,
} from './lease.ts';
export { followLeaseConfig, type LeaseConfigOptions } from './lease-config.ts';
export { registerNode, putNodeStatus, leaseWriter, startNodeStatusReporter, type NodeStatusReporterOptions } from './registration.ts';
export { readPressure } from './pressure.ts';
