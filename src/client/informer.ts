// Informer, as client-go's reflector + shared informer: list (paginated) then watch from the
// list's resourceVersion with bookmarks, keeping a local indexed cache and telling handlers what
// changed.
//
//   start ──► LIST (pages of 500, consistent read) ──► replace cache, emit diffs ──► synced
//               ▲                                                                     │
//               │ 410 Gone (HTTP or ERROR event)                                      ▼
//               └───────────────────────────── WATCH from last RV ◄── stream ended: re-watch
//                                                  │ other failure: backoff (0.8 s .. 30 s), re-watch
//
// Contracts:
//  - handlers run synchronously, one at a time, in event order; a throw is logged and ignored;
//  - a relist emits add / update (only when resourceVersion changed) / delete for the difference
//    against the cache; objects that vanished while we were not watching are deleted with
//    `finalStateUnknown = true` (their last known state is passed);
//  - a same-named object with a new UID is reported as delete(old) + add(new);
//  - an updated object shares every part it did not change with the version it replaces (the
//    handlers' old and new objects are then the same object there: treat both as read-only);
//  - resync (resyncMs) re-emits update(obj, obj) for every cached object;
//  - an 'add' handler registered after sync first receives every cached object.

import { realClock, shareEqual, sleep, type Clock, type TimerHandle } from '../util/index.ts';
import { ClientError, isGone } from './errors.ts';
import type { Client } from './rest-client.ts';
import { createStore, keyOf, type Indexer, type Store } from './store.ts';
import { consoleLogger, type KubeObject, type Logger, type ResourceRef, type Status, type WatchEvent } from './types.ts';

export interface InformerOptions<T> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-emit update for every cached object this often; 0/undefined disables. */
  resyncMs?: number;
  indexers?: Record<string, Indexer<T>>;
  /** List page size (default 500). */
  pageSize?: number;
  /** Server-side watch timeout; default random 300..600 s, as client-go. */
  watchTimeoutSeconds?: number;
  /** Backoff after a failed list/watch (default 800 ms doubling to 30 s). */
  backoff?: { initialMs?: number; maxMs?: number };
  clock?: Clock;
  logger?: Logger;
}

export interface InformerHandlers<T> {
  add: (obj: T) => void;
  update: (oldObj: T, newObj: T) => void;
  /** `finalStateUnknown`: the object vanished while not watched; `obj` is its last known state. */
  delete: (obj: T, finalStateUnknown: boolean) => void;
}

export interface Informer<T extends KubeObject> {
  /** Runs until `signal` aborts; resolves then (never rejects). Call once. */
  start(signal: AbortSignal): Promise<void>;
  hasSynced(): boolean;
  /** Resolves once the first list is in the cache; rejects if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<void>;
  readonly store: Store<T>;
  /** Registers a handler; returns a function that unregisters it. */
  on<E extends keyof InformerHandlers<T>>(event: E, handler: InformerHandlers<T>[E]): () => void;
  /** resourceVersion of the last list, event or bookmark seen. */
  lastResourceVersion(): string;
  /** Adds a secondary index (before or after start); throws if the name is taken. */
  addIndexer(name: string, fn: Indexer<T>): void;
}

const isGoneStatus = (s: Status): boolean => s.code === 410 || s.reason === 'Expired' || s.reason === 'Gone';

export function createInformer<T extends KubeObject = KubeObject>(client: Client, ref: ResourceRef, opts: InformerOptions<T> = {}): Informer<T> {
  const clock = opts.clock ?? realClock;
  const log = opts.logger ?? consoleLogger;
  const name = `${ref.resource}${opts.namespace ? ` in ${opts.namespace}` : ''}`;
  const store = createStore<T>(opts.indexers);
  const handlers = {
    add: new Set<InformerHandlers<T>['add']>(),
    update: new Set<InformerHandlers<T>['update']>(),
    delete: new Set<InformerHandlers<T>['delete']>(),
  };
  let synced = false;
  let started = false;
  let lastRV = '';
  const syncWaiters = new Set<() => void>();

  function safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      log.error(`informer ${name}: handler failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  const emitAdd = (o: T): void => handlers.add.forEach((h) => safely(() => h(o)));
  const emitUpdate = (a: T, b: T): void => handlers.update.forEach((h) => safely(() => h(a, b)));
  const emitDelete = (o: T, unknown: boolean): void => handlers.delete.forEach((h) => safely(() => h(o, unknown)));

  /** `shared`: the server's own object (an in-process watch), already sharing what did not change. */
  function upsert(decoded: T, shared = false): void {
    const key = keyOf(decoded);
    const old = store.get(key);
    const replaced = old?.metadata?.uid && decoded.metadata?.uid && old.metadata.uid !== decoded.metadata.uid;
    // An update keeps the cached parts it did not change (see shareEqual).
    const obj = old === undefined || replaced || shared ? decoded : shareEqual(old, decoded);
    store.set(key, obj);
    if (old === undefined) emitAdd(obj);
    else if (replaced) {
      emitDelete(old, true);
      emitAdd(obj);
    } else emitUpdate(old, obj);
  }

  function replace(items: Map<string, T>): void {
    for (const key of store.keys()) {
      if (items.has(key)) continue;
      const old = store.get(key);
      store.delete(key);
      if (old !== undefined) emitDelete(old, true);
    }
    for (const [key, obj] of items) {
      const old = store.get(key);
      // The same state: the cached object stays (for an in-process informer, the server's own;
      // the listed copy would be a second one).
      if (old !== undefined && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) continue;
      upsert(obj);
    }
  }

  async function relist(signal: AbortSignal): Promise<void> {
    const base = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, signal };
    const items = new Map<string, T>();
    let cont: string | undefined;
    let rv = '';
    do {
      let page: Awaited<ReturnType<typeof client.list<T>>>;
      try {
        page = await client.list<T>(ref, opts.namespace, { ...base, limit: opts.pageSize ?? 500, continue: cont });
      } catch (err) {
        if (!cont || !isGone(err)) throw err;
        // The continue token expired mid-list: fall back to one unpaginated list.
        items.clear();
        page = await client.list<T>(ref, opts.namespace, base);
        cont = undefined;
      }
      for (const item of page.items) items.set(keyOf(item), item);
      rv = page.metadata?.resourceVersion ?? rv;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    replace(items);
    lastRV = rv;
    if (!synced) {
      synced = true;
      for (const w of syncWaiters) w();
      syncWaiters.clear();
    }
  }

  /** One watch stream. Returns 'gone' on 410, the number of events otherwise; throws on failure. */
  async function watchOnce(signal: AbortSignal): Promise<'gone' | number> {
    const ac = new AbortController();
    const onAbort = (): void => ac.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let error: Status | undefined;
    let events = 0;
    const apply = (ev: WatchEvent<T>): void => {
      if (error) return;
      if (ev.type === 'ERROR') {
        error = ev.object;
        ac.abort();
        return;
      }
      events++;
      const rv = ev.object.metadata?.resourceVersion;
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED') upsert(ev.object, client.sharesWatchObjects);
      else if (ev.type === 'DELETED') {
        const key = keyOf(ev.object);
        if (store.get(key) !== undefined) {
          store.delete(key);
          emitDelete(ev.object, false);
        }
      }
      if (rv) lastRV = rv;
    };
    const timeoutSeconds = opts.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
    try {
      await client.watch<T>(
        ref,
        opts.namespace,
        {
          resourceVersion: lastRV,
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          allowWatchBookmarks: true,
          timeoutSeconds,
          signal: ac.signal,
        },
        apply,
      );
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (error) {
      if (isGoneStatus(error)) return 'gone';
      throw new ClientError(error);
    }
    return events;
  }

  async function run(signal: AbortSignal): Promise<void> {
    const initial = opts.backoff?.initialMs ?? 800;
    const max = opts.backoff?.maxMs ?? 30_000;
    let needList = true;
    let failures = 0;
    let gones = 0;
    const backoff = async (): Promise<void> => {
      const ms = Math.min(max, initial * 2 ** Math.min(failures - 1, 30));
      await sleep(clock, ms * (0.5 + Math.random() / 2), signal).catch(() => undefined);
    };
    while (!signal.aborted) {
      try {
        if (needList) {
          await relist(signal);
          needList = false;
        }
        const started = clock.now();
        const r = await watchOnce(signal);
        if (r === 'gone') {
          needList = true;
          // A fresh list RV that is at once too old again means something is wrong: slow down.
          if (++gones > 1) {
            failures++;
            await backoff();
          }
          continue;
        }
        if (r > 0) failures = gones = 0;
        else if (!signal.aborted && clock.now() - started < 1000) throw new Error('very short watch: no events');
      } catch (err) {
        if (signal.aborted) break;
        if (isGone(err)) {
          needList = true;
          if (++gones <= 1) continue;
        }
        failures++;
        log.warn(`informer ${name}: ${needList ? 'list' : 'watch'} failed (retry ${failures}): ${err instanceof Error ? err.message : String(err)}`);
        await backoff();
      }
    }
  }

  function scheduleResync(signal: AbortSignal): void {
    const every = opts.resyncMs;
    if (!every || every <= 0) return;
    let timer: TimerHandle | undefined;
    const tick = (): void => {
      if (signal.aborted) return;
      if (synced) for (const obj of store.list()) emitUpdate(obj, obj);
      timer = clock.setTimeout(tick, every);
    };
    timer = clock.setTimeout(tick, every);
    signal.addEventListener('abort', () => timer?.cancel(), { once: true });
  }

  return {
    async start(signal) {
      if (started) throw new Error(`informer ${name} already started`);
      started = true;
      scheduleResync(signal);
      await run(signal);
    },
    hasSynced: () => synced,
    waitForSync(signal) {
      if (synced) return Promise.resolve();
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const done = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          syncWaiters.delete(done);
          reject(signal?.reason);
        };
        syncWaiters.add(done);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    store,
    on(event, handler) {
      const set = handlers[event] as Set<typeof handler>;
      set.add(handler);
      if (event === 'add' && synced) {
        const h = handler as InformerHandlers<T>['add'];
        for (const obj of store.list()) safely(() => h(obj));
      }
      return () => void set.delete(handler);
    },
    lastResourceVersion: () => lastRV,
    addIndexer: (indexName, fn) => store.addIndexer(indexName, fn),
  };
}
