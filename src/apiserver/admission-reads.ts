// What admission reads on every create — the namespace (lifecycle), its LimitRanges and
// ResourceQuotas, the PriorityClasses — served from in-memory collection caches when the cache is
// as new as storage, from storage otherwise (see ./watch/collection-cache.ts). Upstream's
// admission plugins read the same things from informer listers.
import { ApiError } from './errors.ts';
import type { KObject } from './registry/types.ts';
import type { ResourceHandle } from './resource-registry.ts';
import { listPrefix, objectKey, resourcePrefix } from './store/codec.ts';
import { CollectionCache } from './watch/collection-cache.ts';
import type { Backend } from '../storage/index.ts';
import type { WatchCache } from './watch/watch-cache.ts';

/** Objects returned may be shared with every other reader: never mutate them. */
export interface AdmissionReads {
  /** The object, or undefined when there is none (or its resource is not served). */
  get(group: string, resource: string, namespace: string | undefined, name: string): Promise<KObject | undefined>;
  /** The objects of one namespace (or all, for cluster-scoped resources), in key order. */
  list(group: string, resource: string, namespace: string | undefined): Promise<KObject[]>;
}

/** The collections kept in memory: small, and read by admission on every create. */
const ADMISSION_CACHED: readonly { readonly group: string; readonly resource: string }[] = [
  { group: '', resource: 'namespaces' },
  { group: '', resource: 'limitranges' },
  { group: '', resource: 'resourcequotas' },
  { group: 'scheduling.k8s.io', resource: 'priorityclasses' },
];

/** `handle` finds a served resource (called per read: resources may come and go). */
export async function openAdmissionReads(
  handle: (group: string, resource: string) => ResourceHandle | undefined,
  deps: { backend: Backend; watchCache: WatchCache; signal: AbortSignal },
): Promise<AdmissionReads> {
  const caches = new Map<string, CollectionCache>();
  for (const r of ADMISSION_CACHED) caches.set(resourcePrefix(r), await CollectionCache.open(resourcePrefix(r), deps));
  return {
    async get(group, resource, namespace, name) {
      const h = handle(group, resource);
      if (!h) return undefined;
      const cached = caches.get(resourcePrefix(h.entry))?.get(objectKey(h.entry, namespace, name));
      if (cached) return cached.object;
      try {
        return await h.store.getReadOnly(namespace, name);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return undefined;
        throw e;
      }
    },
    async list(group, resource, namespace) {
      const h = handle(group, resource);
      if (!h) return [];
      const cached = caches.get(resourcePrefix(h.entry))?.items(listPrefix(h.entry, namespace));
      return cached ?? (await h.store.list(namespace)).items;
    },
  };
}
