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

/** One informer per collection: the same ref, namespace and selectors are the same informer. */
function informerKey(ref: ResourceRef, sel: InformerSelector): string {
  return JSON.stringify([ref.group, ref.version, ref.resource, sel.namespace ?? '', sel.labelSelector ?? '', sel.fieldSelector ?? '']);
}

/** Adds the indexers not present yet (an index name already taken is kept as is). */
function addIndexers<T extends KubeObject>(
  entry: { informer: Informer<KubeObject>; indexNames: Set<string> },
  indexers: Record<string, Indexer<T>> = {},
): void {
  for (const [name, fn] of Object.entries(indexers)) {
    if (entry.indexNames.has(name)) continue;
    entry.indexNames.add(name);
    entry.informer.addIndexer(name, fn as unknown as Indexer<KubeObject>);
  }
}

const informerOptions = (sel: InformerSelector, opts: InformerFactoryOptions): InformerOptions<KubeObject> => ({
  ...sel,
  indexers: {},
  resyncMs: opts.resyncMs,
  clock: opts.clock,
  logger: opts.logger,
});

export function createInformerFactory(client: Client, opts: InformerFactoryOptions = {}): InformerFactory {
  const informers = new Map<string, { informer: Informer<KubeObject>; started: boolean; indexNames: Set<string> }>();

  return {
    informerFor<T extends KubeObject>(ref: ResourceRef, sel: InformerSelector & { indexers?: Record<string, Indexer<T>> } = {}) {
      const key = informerKey(ref, sel);
      let entry = informers.get(key);
      if (!entry) {
        entry = { informer: createInformer(client, ref, informerOptions(sel, opts)), started: false, indexNames: new Set() };
        informers.set(key, entry);
      }
      addIndexers(entry, sel.indexers);
      return entry.informer as unknown as Informer<T>;
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

/**
 * Informers shared by several users with lifetimes of their own (the components of one server, each
 * running only while it leads): every user gets an InformerFactory of its own, and every user
 * asking for the same collection gets the same cache, list and watch. A user's handlers are removed
 * when its signal aborts; an informer stops once its last user has gone (or `signal` aborts), and
 * the next user to ask for it gets a fresh one.
 */
export interface SharedInformers {
  forUser(signal: AbortSignal): InformerFactory;
}

export function createSharedInformers(client: Client, opts: InformerFactoryOptions & { signal: AbortSignal }): SharedInformers {
  interface Entry {
    readonly informer: Informer<KubeObject>;
    readonly indexNames: Set<string>;
    readonly stop: AbortController;
    users: number;
    started: boolean;
  }
  const entries = new Map<string, Entry>();

  function acquire(key: string, ref: ResourceRef, sel: InformerSelector): Entry {
    let entry = entries.get(key);
    if (!entry) {
      const stop = new AbortController();
      if (opts.signal.aborted) stop.abort();
      else opts.signal.addEventListener('abort', () => stop.abort(), { once: true, signal: stop.signal });
      entry = { informer: createInformer(client, ref, informerOptions(sel, opts)), indexNames: new Set(), stop, users: 0, started: false };
      entries.set(key, entry);
    }
    entry.users++;
    return entry;
  }

  function release(key: string, entry: Entry): void {
    if (--entry.users > 0) return;
    entry.stop.abort();
    if (entries.get(key) === entry) entries.delete(key);
  }

  return {
    forUser(signal) {
      // This user's informers (by key) with the view it was given, and its handlers' removers.
      const used = new Map<string, { entry: Entry; view: Informer<KubeObject> }>();
      const offs: (() => void)[] = [];
      const leave = (): void => {
        for (const off of offs.splice(0)) off();
        for (const [key, { entry }] of used) release(key, entry);
        used.clear();
      };
      if (signal.aborted) queueMicrotask(leave);
      else signal.addEventListener('abort', leave, { once: true });

      return {
        informerFor<T extends KubeObject>(ref: ResourceRef, sel: InformerSelector & { indexers?: Record<string, Indexer<T>> } = {}) {
          const key = informerKey(ref, sel);
          let mine = used.get(key);
          if (!mine) {
            const entry = acquire(key, ref, sel);
            const inf = entry.informer;
            const view: Informer<KubeObject> = {
              ...inf,
              on(event, handler) {
                const off = inf.on(event, handler);
                offs.push(off);
                return off;
              },
            };
            mine = { entry, view };
            used.set(key, mine);
          }
          addIndexers(mine.entry, sel.indexers);
          return mine.view as unknown as Informer<T>;
        },
        start() {
          for (const { entry } of used.values()) {
            if (entry.started) continue;
            entry.started = true;
            void entry.informer.start(entry.stop.signal);
          }
        },
        async waitForSync(wait) {
          await Promise.all([...used.values()].map(({ entry }) => entry.informer.waitForSync(wait)));
        },
      };
    },
  };
}
