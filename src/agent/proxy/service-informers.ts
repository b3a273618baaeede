// The agent's view of Services and EndpointSlices (all namespaces), shared by the node proxy and
// the node-local DNS server: one informer each, with the indexes both need.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { createInformer, NAMESPACE_INDEX, namespaceIndexer, resources, type Client, type Indexer, type Informer, type Logger } from '../../client/index.ts';
import type { ClusterDnsData } from '../dns/cluster-records.ts';
import { SERVICE_NAME_LABEL } from './service-model.ts';

const CLUSTER_IP_INDEX = 'clusterIP';
const SERVICE_INDEX = 'service';
const ADDRESS_INDEX = 'address';

export interface ServiceInformers {
  services: Informer<Service>;
  slices: Informer<EndpointSlice>;
}

/** The indexes dnsDataFromInformers reads (exported so tests and benchmarks can fake the informers). */
export const SERVICE_INDEXERS: Record<string, Indexer<Service>> = {
  [NAMESPACE_INDEX]: namespaceIndexer,
  [CLUSTER_IP_INDEX]: (s) => [s.spec?.clusterIP ?? ''].filter((ip) => ip && ip !== 'None'),
};
export const SLICE_INDEXERS: Record<string, Indexer<EndpointSlice>> = {
  [SERVICE_INDEX]: (s) => {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    return svc ? [`${s.metadata?.namespace ?? ''}/${svc}`] : [];
  },
  [ADDRESS_INDEX]: (s) => (s.endpoints ?? []).flatMap((e) => e.addresses ?? []),
};

export function createServiceInformers(client: Client, opts: { logger?: Logger } = {}): ServiceInformers {
  return {
    services: createInformer<Service>(client, resources.services, { logger: opts.logger, indexers: SERVICE_INDEXERS }),
    slices: createInformer<EndpointSlice>(client, resources.endpointslices, { logger: opts.logger, indexers: SLICE_INDEXERS }),
  };
}

/** The DNS server's read access to the informer caches. */
export function dnsDataFromInformers(inf: ServiceInformers): ClusterDnsData {
  return {
    service: (ns, name) => inf.services.store.get(`${ns}/${name}`),
    slices: (ns, svc) => inf.slices.store.byIndex(SERVICE_INDEX, `${ns}/${svc}`),
    hasNamespace: (ns) => inf.services.store.byIndex(NAMESPACE_INDEX, ns).length > 0,
    serviceByIP: (ip) => inf.services.store.byIndex(CLUSTER_IP_INDEX, ip)[0],
    endpointByIP: (ip) => {
      for (const slice of inf.slices.store.byIndex(ADDRESS_INDEX, ip)) {
        const e = slice.endpoints?.find((x) => x.addresses?.includes(ip));
        if (e) return { slice, hostname: e.hostname };
      }
      return undefined;
    },
  };
}
