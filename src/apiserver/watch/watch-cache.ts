// One backend watch feeds every API watcher: events are decoded once (when first read), kept in a
// ring buffer of recent history, and fanned out to subscribers by key prefix. A watcher resuming
// from a revision still in the ring is served from memory; older revisions fall back to a direct
// backend watch (which fails with CompactedError -> 410 once compaction removed them).
//
// Some prefixes get a ring of their own (`separateRings`): core/v1 Events, by far the most written
// and least watched kind, would otherwise push the history of pods and nodes out of the shared ring
// (upstream keeps no watch cache for Events at all). Their writes are never decoded unless someone
// watches them.
import type { Backend, KeyValue, WatchEvent } from '../../storage/index.ts';
import type { KObject } from '../registry/types.ts';
import { decode } from '../store/codec.ts';
import { ObjectCache, SharedObject } from './object-cache.ts';

export interface CacheEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly key: string;
  /** New state (for DELETED: last state, with resourceVersion = the delete's revision). Never mutate. */
  readonly object: KObject;
  /** Previous state, if any (decoded on first use: only selector-filtered watchers need it). Never mutate. */
  readonly prev: KObject | undefined;
  readonly revision: number;
  /** JSON of `object`, encoded once and shared by every watcher that sends it unchanged. */
  objectJson(): string;
}

/**
 * One decoded object shared by every reader (ring, watchers, admission caches): nothing copies it
 * per watcher, so nothing may mutate it.
 */
class StoredEvent implements CacheEvent {
  #prevKv: KeyValue | undefined;
  #prev: KObject | undefined;

  constructor(
    readonly type: CacheEvent['type'],
    readonly key: string,
    /** The new state, shared with the object cache (puts) so a LIST reuses its encoding. */
    readonly shared: SharedObject,
    prevKv: KeyValue | undefined,
    readonly revision: number,
  ) {
    this.#prevKv = prevKv;
  }

  /** For DELETED, the last state with resourceVersion = the delete's revision. */
  get object(): KObject {
    return this.shared.object;
  }

  get prev(): KObject | undefined {
    if (this.#prevKv) {
      this.#prev = decode(this.#prevKv);
      this.#prevKv = undefined;
    }
    return this.#prev;
  }

  objectJson(): string {
    return this.shared.json();
  }
}

interface Subscriber {
  prefix: string;
  from: number;
  deliver: (e: CacheEvent) => void;
}

export interface WatchCacheOptions {
  /** How many recent events to keep for resuming watchers. */
  capacity?: number;
  /** Key prefixes whose events go to a ring of their own, with its capacity (not counted in `capacity`). */
  separateRings?: ReadonlyMap<string, number>;
}

/** Decoded only when first read: Events, say, are written far more often than anyone reads them. */
function toStoredEvent(e: WatchEvent): StoredEvent {
  const { kv } = e;
  if (e.type === 'delete') return new StoredEvent('DELETED', kv.key, new SharedObject(() => decode(kv, e.revision), e.revision), e.prev, e.revision);
  return new StoredEvent(e.prev ? 'MODIFIED' : 'ADDED', kv.key, new SharedObject(() => decode(kv), kv.modRevision), e.prev, e.revision);
}

interface Ring {
  readonly prefix: string;
  readonly events: CacheEvent[];
  readonly capacity: number;
  /** The ring holds every event of its keys with a revision above this one. */
  complete: number;
}

export class WatchCache {
  private readonly main: Ring;
  private readonly separate: Ring[];
  private readonly subscribers = new Set<Subscriber>();
  private readonly abort = new AbortController();
  /** Events with revision > startRevision are (or were) in the ring. */
  private startRevision = 0;
  private latest = 0;
  /** Current objects by key, decoded and encoded once, for LIST and GET (fed by every event). */
  readonly objects = new ObjectCache();

  constructor(
    private readonly backend: Backend,
    options: WatchCacheOptions = {},
  ) {
    this.main = { prefix: '/registry/', events: [], capacity: options.capacity ?? 20000, complete: 0 };
    this.separate = [...(options.separateRings ?? [])].map(([prefix, capacity]) => ({ prefix, events: [], capacity, complete: 0 }));
  }

  private ringOf(key: string): Ring {
    return this.separate.find((r) => key.startsWith(r.prefix)) ?? this.main;
  }

  async start(): Promise<void> {
    this.startRevision = this.backend.currentRevision();
    this.latest = this.startRevision;
    for (const ring of [this.main, ...this.separate]) ring.complete = this.startRevision;
    await this.backend.watch('/registry/', (e) => this.onEvent(e), {
      fromRevision: this.startRevision,
      signal: this.abort.signal,
      // etcd: everything up to `revision` has reached the ring, so bookmarks may name it.
      onProgress: (revision) => {
        this.latest = Math.max(this.latest, revision);
      },
    });
  }

  stop(): void {
    this.abort.abort();
    this.subscribers.clear();
  }

  /**
   * Latest revision the cache has delivered (for bookmarks). Not the backend's current revision:
   * with etcd a write's response can arrive before its watch event, and a bookmark ahead of an
   * undelivered event would let a resuming client skip it.
   */
  latestRevision(): number {
    return this.latest;
  }

  watcherCount(): number {
    return this.subscribers.size;
  }

  /**
   * Delivers every event under `prefix` with revision > `from`, in order: first history, then live.
   * Resolves once registered. Rejects with CompactedError when the history is gone.
   */
  async subscribe(prefix: string, from: number, deliver: (e: CacheEvent) => void, signal: AbortSignal): Promise<void> {
    // A prefix spanning several rings (none of ours does) is replayed by the backend.
    const spans = this.separate.some((r) => r.prefix.startsWith(prefix) && r.prefix !== prefix);
    const ring = spans ? undefined : this.ringOf(prefix);
    if (from >= (ring ? ring.complete : this.latest) && from >= this.startRevision) {
      for (const e of ring?.events ?? []) if (e.revision > from && e.key.startsWith(prefix)) deliver(e);
      const sub: Subscriber = { prefix, from: Math.max(from, this.latest), deliver };
      this.subscribers.add(sub);
      signal.addEventListener('abort', () => this.subscribers.delete(sub), { once: true });
      return;
    }
    // Older than the ring: a dedicated backend watch (throws CompactedError if compacted).
    await this.backend.watch(prefix, (e) => deliver(toStoredEvent(e)), { fromRevision: from, signal });
  }

  private onEvent(e: WatchEvent): void {
    const ev = toStoredEvent(e);
    if (ev.type === 'DELETED') this.objects.delete(ev.key, ev.revision);
    else this.objects.put(ev.key, ev.shared);
    this.latest = ev.revision;
    const ring = this.ringOf(ev.key);
    ring.events.push(ev);
    if (ring.events.length > ring.capacity) {
      const dropped = ring.events.splice(0, ring.events.length - ring.capacity);
      ring.complete = dropped[dropped.length - 1]!.revision;
    }
    for (const sub of this.subscribers) {
      if (ev.revision <= sub.from || !ev.key.startsWith(sub.prefix)) continue;
      try {
        sub.deliver(ev);
      } catch {
        this.subscribers.delete(sub);
      }
    }
  }
}
