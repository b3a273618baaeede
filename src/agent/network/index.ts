export { PodNetwork, type PodNetworkOptions, type PodNetworkStatus, type PortMapping, type SharedNamespaces } from './cni.ts';
export { createNamespaceFile, createNamespaceFiles, DEFAULT_SHM_BYTES, mountShm, removeNamespaceFile, type NamespaceKind } from './netns.ts';
export { sweep, type SweepOptions } from './sweep.ts';
export { NetworkPool, POOL_PREFIX, type NetworkPoolOptions } from './network-pool.ts';
