// One backend watch feeds every API watcher: events are decoded once (when first read), kept in a
// ring buffer of recent history, and fanned out to subscribers by key prefix. A watcher resuming
// from a revision still in the ring is served from memory; older revisions fall back to a direct
// backend watch (which fails with CompactedError -> 410 once compaction removed them).
//
// Some prefixes get a ring of their own (`separateRings`): core/v1 Events, by far the most written
// and least watched kind, would otherwise push the history of pods and nodes out of the shared ring
// (upstream keeps no watch cache for Events at all). Their writes are never decoded unless someone
// watches them.
//
// A ring is bounded both by a number of events and by the stored size of what it holds (the new and
// the previous state of each event): a few thousand writes of large objects would otherwise hold
// gigabytes of history. Whichever bound is reached first drops the oldest events; a watcher resuming
// from before them is served by the backend instead.
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
  #prevStored: KeyValue | SharedObject | undefined;
  #prev: KObject | undefined;

  constructor(
    readonly type: CacheEvent['type'],
    readonly key: string,
    /** The new state, shared with the object cache (puts) so a LIST reuses its encoding. */
    readonly shared: SharedObject,
    /** The previous state: the object cache's own when it still held it (shared, not a copy). */
    prevStored: KeyValue | SharedObject | undefined,
    readonly revision: number,
    /** Stored size of the new and the previous state (what the ring's byte bound counts). */
    readonly size: number,
  ) {
    this.#prevStored = prevStored;
  }

  /** For DELETED, the last state with resourceVersion = the delete's revision. */
  get object(): KObject {
    return this.shared.object;
  }

  get prev(): KObject | undefined {
    // Not kept here: the shared object may be retired (encoded only) once it is history.
    if (this.#prevStored instanceof SharedObject) return this.#prevStored.object;
    if (this.#prevStored) {
      this.#prev = decode(this.#prevStored);
      this.#prevStored = undefined;
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
  /** At most this many bytes of stored state (new + previous object per event) in the main ring. */
  maxBytes?: number;
  /**
   * Key prefixes whose events go to a ring of their own, with its capacity (not counted in
   * `capacity`); their objects are not kept in the object cache either.
   */
  separateRings?: ReadonlyMap<string, number>;
}

/**
 * Decoded only when first read: Events, say, are written far more often than anyone reads them.
 * `prevShared` is the previous state as the object cache holds it, if it does: the event then
 * shares it (with the previous event of the key, and the LISTs that read it) instead of decoding a
 * copy of its own the first time a selector-filtered watcher asks for it. A write made through
 * `objects` (the API's own stores) is not decoded at all: the event shares the writer's object.
 */
function toStoredEvent(e: WatchEvent, prevShared?: SharedObject, objects?: ObjectCache): StoredEvent {
  const { kv } = e;
  const prev = prevShared ?? e.prev;
  const size = kv.key.length + kv.value.length + (e.prev?.value.length ?? 0);
  if (e.type === 'delete') return new StoredEvent('DELETED', kv.key, new SharedObject(() => decode(kv, e.revision), e.revision), prev, e.revision, size);
  const written = objects?.takeWritten(kv);
  return new StoredEvent(e.prev ? 'MODIFIED' : 'ADDED', kv.key, new SharedObject(written ?? (() => decode(kv)), kv.modRevision), prev, e.revision, size);
}

/** Default byte bound of the main ring: 20,000 pods of 3 KB with their previous states fit. */
const DEFAULT_MAX_BYTES = 128 * 1024 * 1024;

/** Recent events of some keys, oldest first, dropped from the front when over either bound. */
class Ring {
  #events: StoredEvent[] = [];
  /** Index of the oldest event still held (the array is trimmed when half of it is dropped). */
  #head = 0;
  #bytes = 0;
  /** The ring holds every event of its keys with a revision above this one. */
  complete = 0;

  constructor(
    readonly prefix: string,
    private readonly capacity: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  push(e: StoredEvent): void {
    this.#events.push(e);
    this.#bytes += e.size;
    while (this.length > this.capacity || this.#bytes > this.maxBytes) {
      const dropped = this.#events[this.#head++]!;
      this.#bytes -= dropped.size;
      this.complete = dropped.revision;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Held events with a revision above `from` under `prefix`, oldest first. */
  *since(from: number, prefix: string): Generator<CacheEvent> {
    const events = this.#events;
    for (let i = this.#head; i < events.length; i++) {
      const e = events[i]!;
      if (e.revision > from && e.key.startsWith(prefix)) yield e;
    }
  }

  get length(): number {
    return this.#events.length - this.#head;
  }
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
  readonly objects: ObjectCache;

  constructor(
    private readonly backend: Backend,
    options: WatchCacheOptions = {},
  ) {
    this.main = new Ring('/registry/', options.capacity ?? 20000, options.maxBytes ?? DEFAULT_MAX_BYTES);
    this.separate = [...(options.separateRings ?? [])].map(([prefix, capacity]) => new Ring(prefix, capacity));
    // The kinds with a ring of their own are the ones written far more than read: not kept either.
    this.objects = new ObjectCache(this.separate.map((r) => r.prefix));
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
      if (ring) for (const e of ring.since(from, prefix)) deliver(e);
      const sub: Subscriber = { prefix, from: Math.max(from, this.latest), deliver };
      this.subscribers.add(sub);
      signal.addEventListener('abort', () => this.subscribers.delete(sub), { once: true });
      return;
    }
    // Older than the ring: a dedicated backend watch (throws CompactedError if compacted).
    await this.backend.watch(prefix, (e) => deliver(toStoredEvent(e)), { fromRevision: from, signal });
  }

  private onEvent(e: WatchEvent): void {
    const prev = e.prev && this.objects.current(e.kv.key, e.prev.modRevision);
    const ev = toStoredEvent(e, prev, this.objects);
    if (prev) {
      // The state before `prev` is history now: kept encoded only, for watchers resuming from it.
      prev.previous?.retire();
      prev.previous = undefined;
      ev.shared.previous = prev;
    }
    if (ev.type === 'DELETED') this.objects.delete(ev.key, ev.revision);
    else this.objects.put(ev.key, ev.shared);
    this.latest = ev.revision;
    this.ringOf(ev.key).push(ev);
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
