// Shared informers, as client-go's SharedInformerFactory: every controller in a process that asks
// for the same collection (ref + namespace + selectors) gets the same informer, so N controllers
// watching pods cost one list and one watch. Handlers and indexers are per caller; the cache is
// shared (read-only for everyone).

import type { Clock } from '../util/index.ts';
import { createInformer, type Informer, type InformerOptions } from './informer.ts';
import type { Client } from './rest-client.ts';
import type { Indexer } from './store.ts';
import type { KubeObject, Logger, ResourceRef } from './types.ts';

export interface InformerFactoryOptions {
  /** Default resync for informers made here (0 = none). */
  resyncMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface InformerSelector {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface InformerFactory {
  /**
   * The shared informer for this collection. `indexers` are added if not present yet (an index
   * name already taken is kept as is: index names must mean the same thing to every caller).
   */
  informerFor<T extends KubeObject = KubeObject>(ref: ResourceRef, opts?: InformerSelector & { indexers?: Record<string, Indexer<T>> }): Informer<T>;
  /** Starts every informer not started yet; informers requested later need another start(). */
  start(signal: AbortSignal): void;
  /** Resolves once every informer requested so far has synced. */
  waitForSync(signal?: AbortSignal): Promise<void>;
}

export function createInformerFactory(client: Client, opts: InformerFactoryOptions = {}): InformerFactory {
  const informers = new Map<string, { informer: Informer<KubeObject>; started: boolean; indexNames: Set<string> }>();

  return {
    informerFor<T extends KubeObject>(ref: ResourceRef, sel: InformerSelector & { indexers?: Record<string, Indexer<T>> } = {}) {
      const key = JSON.stringify([ref.group, ref.version, ref.resource, sel.namespace ?? '', sel.labelSelector ?? '', sel.fieldSelector ?? '']);
      let entry = informers.get(key);
      if (!entry) {
        const o: InformerOptions<KubeObject> = { ...sel, indexers: {}, resyncMs: opts.resyncMs, clock: opts.clock, logger: opts.logger };
        entry = { informer: createInformer(client, ref, o), started: false, indexNames: new Set() };
        informers.set(key, entry);
      }
      const inf = entry.informer as unknown as Informer<T>;
      for (const [name, fn] of Object.entries(sel.indexers ?? {})) {
        if (entry.indexNames.has(name)) continue;
        entry.indexNames.add(name);
        inf.addIndexer(name, fn);
      }
      return inf;
    },
    start(signal) {
      for (const e of informers.values()) {
        if (e.started) continue;
        e.started = true;
        void e.informer.start(signal);
      }
    },
    async waitForSync(signal) {
      await Promise.all([...informers.values()].map((e) => e.informer.waitForSync(signal)));
    },
  };
}
