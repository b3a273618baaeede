// The current objects of one small collection (ResourceQuotas, LimitRanges, Namespaces,
// PriorityClasses), kept in memory from the watch cache, so admission does not query storage on
// every create (it did: two range scans per create of anything namespaced, the largest cost of a
// pod burst after the commits, plus a read of the namespace and of the pod's PriorityClass).
//
// Reads are as fresh as storage: `items` and `get` answer only when the watch cache has delivered every
// revision this process knows of (with SQLite always, since events are published before a write
// is acknowledged); otherwise it returns undefined and the caller reads storage as before. Objects
// are the watch cache's own, shared by every reader: never mutate them.
import type { Backend } from '../../storage/index.ts';
import type { KObject } from '../registry/types.ts';
import { decode } from '../store/codec.ts';
import type { CacheEvent, WatchCache } from './watch-cache.ts';

export class CollectionCache {
  readonly #objects = new Map<string, KObject>();
  readonly #backend: Backend;
  readonly #watchCache: WatchCache;

  private constructor(backend: Backend, watchCache: WatchCache) {
    this.#backend = backend;
    this.#watchCache = watchCache;
  }

  /** Lists `prefix` once, then follows it from the list's revision until `signal` aborts. */
  static async open(prefix: string, deps: { backend: Backend; watchCache: WatchCache; signal: AbortSignal }): Promise<CollectionCache> {
    const cache = new CollectionCache(deps.backend, deps.watchCache);
    const list = await deps.backend.list(prefix);
    for (const kv of list.items) cache.#objects.set(kv.key, decode(kv));
    await deps.watchCache.subscribe(prefix, list.revision, (e) => cache.#apply(e), deps.signal);
    return cache;
  }

  /** Objects whose key starts with `prefix`, in key order; undefined when the cache may be behind storage. */
  items(prefix: string): KObject[] | undefined {
    if (this.#watchCache.latestRevision() < this.#backend.currentRevision()) return undefined;
    const keys: string[] = [];
    for (const key of this.#objects.keys()) if (key.startsWith(prefix)) keys.push(key);
    return keys.sort().map((k) => this.#objects.get(k)!);
  }

  /** The object at `key` (`object` undefined: there is none); undefined when the cache may be behind storage. */
  get(key: string): { readonly object: KObject | undefined } | undefined {
    if (this.#watchCache.latestRevision() < this.#backend.currentRevision()) return undefined;
    return { object: this.#objects.get(key) };
  }

  #apply(e: CacheEvent): void {
    if (e.type === 'DELETED') this.#objects.delete(e.key);
    else this.#objects.set(e.key, e.object);
  }
}
