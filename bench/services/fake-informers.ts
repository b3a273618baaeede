// In-memory stand-ins for the agent's Service/EndpointSlice informers: the node proxy and the DNS
// server read their stores and react to their events exactly as with the real ones.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { createStore, keyOf, type Indexer, type Informer, type InformerHandlers, type KubeObject } from '../../src/client/index.ts';
import { SERVICE_INDEXERS, SLICE_INDEXERS, type ServiceInformers } from '../../src/agent/proxy/index.ts';

export interface FakeInformer<T extends KubeObject> {
  informer: Informer<T>;
  /** Adds or replaces the object and tells the handlers. */
  put(obj: T): void;
}

function fakeInformer<T extends KubeObject>(indexers: Record<string, Indexer<T>>): FakeInformer<T> {
  const store = createStore<T>(indexers);
  const handlers = { add: [] as InformerHandlers<T>['add'][], update: [] as InformerHandlers<T>['update'][], delete: [] as InformerHandlers<T>['delete'][] };
  const informer = {
    start: async () => undefined,
    hasSynced: () => true,
    waitForSync: async () => undefined,
    store,
    on: <E extends keyof InformerHandlers<T>>(event: E, h: InformerHandlers<T>[E]) => {
      (handlers[event] as InformerHandlers<T>[E][]).push(h);
      return () => undefined;
    },
    lastResourceVersion: () => '1',
    addIndexer: (name: string, fn: Indexer<T>) => store.addIndexer(name, fn),
  } satisfies Informer<T>;
  return {
    informer,
    put(obj) {
      const old = store.get(keyOf(obj));
      store.set(keyOf(obj), obj);
      if (old) for (const h of handlers.update) h(old, obj);
      else for (const h of handlers.add) h(obj);
    },
  };
}

export function fakeServiceInformers(): { informers: ServiceInformers; services: FakeInformer<Service>; slices: FakeInformer<EndpointSlice> } {
  const services = fakeInformer<Service>(SERVICE_INDEXERS);
  const slices = fakeInformer<EndpointSlice>(SLICE_INDEXERS);
  return { informers: { services: services.informer, slices: slices.informer }, services, slices };
}

/** Service `svc-<i>` in `bench` with ClusterIP 10.43.<i/250>.<i%250+11>. */
export function benchService(i: number, opts: { port?: number } = {}): Service {
  return {
    metadata: { name: `svc-${i}`, namespace: 'bench' },
    spec: { clusterIP: `10.43.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`, ports: [{ name: 'http', port: opts.port ?? 80, protocol: 'TCP' }] },
  };
}

export function benchSlice(i: number, ips: string[], port = 8080): EndpointSlice {
  return {
    metadata: { name: `svc-${i}-x`, namespace: 'bench', labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'bench' })),
  };
}
