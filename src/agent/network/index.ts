export { PodNetwork, type PodNetworkOptions, type PodNetworkStatus, type PortMapping } from './cni.ts';
export {
  createNamespaceFile,
  createNamespaceFiles,
  createSharedNamespaces,
  DEFAULT_SHM_BYTES,
  removeNamespaceFile,
  removeSharedNamespaces,
  sharedNamespacesIn,
  type NamespaceKind,
  type SharedNamespaces,
} from './netns.ts';
export { sweep, type SweepOptions } from './sweep.ts';
export { NetworkPool, POOL_PREFIX, type NetworkPoolOptions } from './network-pool.ts';
