// Events expire: kube-apiserver --event-ttl (default 1h). Upstream attaches an etcd lease to every
// Event write, so an Event disappears `ttl` after its last write. Here one sweeper per API server
// does the same on any backend:
//
// - It knows when each Event was last written without reading storage: it lists the Events once
//   at start (their age estimated from the newest of creationTimestamp, lastTimestamp, eventTime
//   and series.lastObservedTime), then follows the watch cache, noting the time of every write.
//   Following costs one Map update per Event write, nothing per watcher.
// - The Map is kept in write order (an updated key moves to the end), so a sweep walks it from the
//   oldest entry and stops at the first one still alive: its cost is the number of expired Events.
// - Expired Events are deleted straight in storage with a compare-and-swap on the revision the
//   sweeper saw (a concurrent write wins; the Event lives on), as a lease expiry deletes the key in
//   etcd: no admission, no finalizers. Watchers see DELETED as for any delete. Deletes go in small
//   batches with a yield to the event loop between them, so requests are served during a big sweep.
//   Several API servers on one etcd may sweep the same Event: the loser's CAS just fails.
import type { Backend, KeyValue } from '../storage/index.ts';
import { systemClock, type Clock, type TimerHandle } from '../util/index.ts';
import type { WatchCache } from './watch/watch-cache.ts';

export const EVENTS_PREFIX = '/registry/events/';
export const DEFAULT_EVENT_TTL_MS = 3_600_000;

export interface EventTtlOptions {
  readonly backend: Backend;
  readonly watchCache: WatchCache;
  readonly ttlMs: number;
  readonly clock?: Clock;
  /** How often to sweep (default: a tenth of the TTL, between 1 s and 1 min). */
  readonly intervalMs?: number;
  /** Events read per storage list at start (default 1000). */
  readonly pageSize?: number;
  /** Deletes sent at once before yielding to the event loop (default 50). */
  readonly batchSize?: number;
  readonly signal: AbortSignal;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface EventTtl {
  /** Deletes every Event whose TTL has run out; resolves with how many it deleted. */
  sweep(): Promise<number>;
  /** Events being tracked (for tests and metrics). */
  tracked(): number;
}

interface Written {
  readonly at: number;
  readonly revision: number;
}

/** Lists the Events, follows their writes and sweeps every `intervalMs` until `signal` aborts. */
export async function startEventTtl(options: EventTtlOptions): Promise<EventTtl> {
  const clock = options.clock ?? systemClock;
  const batchSize = options.batchSize ?? 50;
  const interval = options.intervalMs ?? Math.min(60_000, Math.max(1_000, Math.floor(options.ttlMs / 10)));
  const written = new Map<string, Written>();
  const note = (key: string, w: Written): void => {
    written.delete(key);
    written.set(key, w);
  };

  // One consistent snapshot, read a page at a time.
  const now = clock.now();
  const initial: Array<readonly [string, Written]> = [];
  let revision = 0;
  for (let startAfter: string | undefined, more = true; more; ) {
    const page = await options.backend.list(EVENTS_PREFIX, { limit: options.pageSize ?? 1000, startAfter, revision });
    revision = page.revision;
    for (const kv of page.items) initial.push([kv.key, { at: Math.min(now, lastWriteEstimate(kv)), revision: kv.modRevision }]);
    startAfter = page.items.at(-1)?.key;
    more = page.remaining > 0 && startAfter !== undefined;
  }
  for (const [key, w] of initial.sort((a, b) => a[1].at - b[1].at)) note(key, w);
  await options.watchCache.subscribe(
    EVENTS_PREFIX,
    revision,
    (e) => {
      if (e.type === 'DELETED') written.delete(e.key);
      else note(e.key, { at: clock.now(), revision: e.revision });
    },
    options.signal,
  );

  let running: Promise<number> | undefined;
  async function sweepNow(): Promise<number> {
    const deadline = clock.now() - options.ttlMs;
    const expired: Array<[string, Written]> = [];
    for (const entry of written) {
      if (entry[1].at > deadline) break;
      expired.push(entry);
    }
    let deleted = 0;
    for (let i = 0; i < expired.length && !options.signal.aborted; i += batchSize) {
      const batch = expired.slice(i, i + batchSize);
      const results = await Promise.all(batch.map(([key, w]) => options.backend.delete(key, w.revision).catch(() => undefined)));
      results.forEach((r, j) => {
        const key = batch[j]![0];
        if (r?.ok) deleted++;
        // Gone already: forget it. Rewritten since: the watch has noted the new write.
        if (r?.ok || (r && !r.current)) written.delete(key);
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (deleted > 0) options.log?.('events: deleted expired Events', { count: deleted, ttlSeconds: options.ttlMs / 1000 });
    return deleted;
  }
  const sweep = (): Promise<number> => {
    running ??= sweepNow().finally(() => (running = undefined));
    return running;
  };

  let timer: TimerHandle | undefined;
  const schedule = (): void => {
    timer = clock.setTimeout(() => {
      sweep()
        .catch((e: unknown) => options.log?.('events: sweep failed', { error: e instanceof Error ? e.message : String(e) }))
        .finally(() => {
          if (!options.signal.aborted) schedule();
        });
    }, interval);
  };
  schedule();
  options.signal.addEventListener('abort', () => timer?.cancel(), { once: true });
  return { sweep, tracked: () => written.size };
}

/** When an Event stored before this server started was last written, as near as its fields tell. */
function lastWriteEstimate(kv: KeyValue): number {
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(kv.value) as Record<string, unknown>;
  } catch {
    return 0;
  }
  const md = obj.metadata as { creationTimestamp?: string } | undefined;
  const series = obj.series as { lastObservedTime?: string } | undefined;
  const times = [md?.creationTimestamp, obj.lastTimestamp, obj.eventTime, series?.lastObservedTime];
  let latest = 0;
  for (const t of times) {
    const ms = typeof t === 'string' ? Date.parse(t) : Number.NaN;
    if (ms > latest) latest = ms;
  }
  return latest;
}
