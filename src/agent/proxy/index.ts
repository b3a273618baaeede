export { startNodeProxy, removeProxyState, type NodeProxy, type NodeProxyOptions, type SyncStats } from './node-proxy.ts';
export { createServiceInformers, dnsDataFromInformers, SERVICE_INDEXERS, SLICE_INDEXERS, type ServiceInformers } from './service-informers.ts';
export { buildServicePorts, SERVICE_NAME_LABEL, type ProxyServicePort } from './service-model.ts';
export { buildRuleset, renderDiff, renderFull, renderRuleset, renderDeleteTable, tableName, type Ruleset } from './nft-ruleset.ts';
export { clusterDnsIp, DEFAULT_SERVICE_CIDR, DEFAULT_CLUSTER_DOMAIN, CLUSTER_POD_CIDR } from './defaults.ts';
