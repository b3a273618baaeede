// One backend watch feeds every API watcher: events are decoded once, kept in a ring buffer of recent
// history, and fanned out to subscribers by key prefix. A watcher resuming from a revision still in
// the ring is served from memory; older revisions fall back to a direct backend watch (which fails
// with CompactedError -> 410 once compaction removed them).
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
}

function toStoredEvent(e: WatchEvent): StoredEvent {
  if (e.type === 'delete') return new StoredEvent('DELETED', e.kv.key, new SharedObject(decode(e.kv, e.revision), e.revision), e.prev, e.revision);
  return new StoredEvent(e.prev ? 'MODIFIED' : 'ADDED', e.kv.key, new SharedObject(decode(e.kv), e.kv.modRevision), e.prev, e.revision);
}

export class WatchCache {
  private readonly ring: CacheEvent[] = [];
  private readonly capacity: number;
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
    this.capacity = options.capacity ?? 20000;
  }

  async start(): Promise<void> {
    this.startRevision = this.backend.currentRevision();
    this.latest = this.startRevision;
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
    const oldestInRing = this.ring.length > 0 ? this.ring[0]!.revision - 1 : this.latest;
    if (from >= oldestInRing && from >= this.startRevision) {
      for (const e of this.ring) if (e.revision > from && e.key.startsWith(prefix)) deliver(e);
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
    this.ring.push(ev);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
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
