// Decoded and encoded stored objects, memoized by (key, modRevision), so a LIST or GET of objects
// that did not change since they were last read or written costs neither a JSON.parse nor a
// JSON.stringify. A key's modRevision names one stored value for good (revisions are never reused),
// so a hit is always exactly what decoding the row would give: storage stays the source of truth
// for which rows a read returns (its revision, paging, consistency); this only skips the codec.
//
// Fed by the watch cache (every write's event is decoded there anyway) and by reads that miss.
// Objects are shared by every reader: never mutate them (read-only consumers only: selectors,
// Table rows, the response body).
import type { KeyValue } from '../../storage/index.ts';
import type { KObject } from '../registry/types.ts';
import { shareEqual } from '../../util/index.ts';
import { decode, withRevision } from '../store/codec.ts';

/** One stored object decoded once (resourceVersion = its modRevision), with its JSON encoded once. */
export class SharedObject {
  #json: string | undefined;
  #object: KObject | undefined;
  #decode: (() => KObject) | undefined;
  #retired = false;
  /**
   * The state of the key before this one, while this one is current (the watch cache links them,
   * and retires the one before when a newer state arrives).
   */
  previous: SharedObject | undefined;

  constructor(
    /** The object, or how to decode it on first use (a write nobody reads is never decoded). */
    object: KObject | (() => KObject),
    readonly modRevision: number,
  ) {
    if (typeof object === 'function') this.#decode = object;
    else this.#object = object;
  }

  /** Never mutate: shared by every reader. */
  get object(): KObject {
    // History only a watcher resuming from long ago reads: decoded again for each such reader.
    if (this.#retired) return JSON.parse(this.#json!) as KObject;
    if (this.#decode) {
      const decoded = this.#decode();
      // The parts a write left unchanged stay the previous state's objects (see shareEqual): the
      // two states the ring holds for an update cost little more than one.
      const before = this.previous ? this.previous.#object : undefined;
      this.#object = before ? shareEqual(before, decoded) : decoded;
      this.#decode = undefined;
    }
    return this.#object!;
  }

  /** Whether `obj` is this state's own (shared) object, not a copy of it. */
  holds(obj: KObject): boolean {
    return this.#object === obj;
  }

  /** Exactly JSON.stringify(object), computed on first use. */
  json(): string {
    return (this.#json ??= JSON.stringify(this.object));
  }

  /**
   * Keeps only the encoding of a decoded object that is history now (two states of its key
   * newer than it): it stays in the watch cache's ring for resuming watchers, at a third of the
   * memory. An object never decoded keeps its stored bytes as it is.
   */
  retire(): void {
    if (this.#object === undefined) return;
    this.json();
    this.#object = undefined;
    this.#retired = true;
  }
}

/** Deletes remembered so a read that started before one cannot bring the deleted object back. */
const TOMBSTONES = 50_000;

export class ObjectCache {
  readonly #byKey = new Map<string, SharedObject>();
  /** key → revision of its latest delete, the oldest first (at most TOMBSTONES of them). */
  readonly #deleted = new Map<string, number>();
  /** Writes on their way to storage, by key: the object each one encoded, and the encoding. */
  readonly #writing = new Map<string, { value: string; object: KObject }>();

  /**
   * `uncached`: key prefixes never kept (core/v1 Events: written for every pod several times, kept
   * an hour, and rarely read — at 30,000 pods they would hold more memory than the pods).
   */
  constructor(private readonly uncached: readonly string[] = []) {}

  #keeps(key: string): boolean {
    return !this.uncached.some((p) => key.startsWith(p));
  }

  /**
   * The shared object for a row read from storage. A miss decodes the row and keeps it, unless the
   * cache already holds a newer state of the key or has seen it deleted after this row was written
   * (a read at an older revision, e.g. a LIST that yielded while writes went on): keeping it would
   * hold a deleted object forever.
   */
  read(kv: KeyValue): SharedObject {
    const hit = this.#byKey.get(kv.key);
    if (hit && hit.modRevision === kv.modRevision) return hit;
    const shared = new SharedObject(decode(kv), kv.modRevision);
    if (!this.#keeps(kv.key)) return shared;
    const newer = (hit?.modRevision ?? 0) > kv.modRevision || (this.#deleted.get(kv.key) ?? 0) > kv.modRevision;
    if (!newer) this.#byKey.set(kv.key, shared);
    return shared;
  }

  /**
   * A write is about to store `value`, the encoding of `object`, at `key`. The watch event of that
   * row then takes `object` (with its resourceVersion) instead of decoding the value the writer
   * has just encoded: one JSON.parse less per write, and the writer's response and every watcher
   * share one object and one encoding. `object` must never change afterwards.
   */
  expectWrite(key: string, value: string, object: KObject): void {
    if (this.#keeps(key)) this.#writing.set(key, { value, object });
  }

  /** The expected write did not happen (a lost race, an error). */
  cancelWrite(key: string, value: string): void {
    if (this.#writing.get(key)?.value === value) this.#writing.delete(key);
  }

  /**
   * The decoded form of a stored row, when a write expected exactly this value at this key (taken
   * once): the writer's object with the row's resourceVersion. Equal values decode equally, so a
   * match is always what decoding the row would give (as JSON: the writer's object may carry keys
   * whose value is undefined, which no encoding shows).
   */
  takeWritten(kv: KeyValue): (() => KObject) | undefined {
    const w = this.#writing.get(kv.key);
    if (!w || w.value !== kv.value) return undefined;
    this.#writing.delete(kv.key);
    return () => withRevision(w.object, kv.modRevision);
  }

  /** The newest state of `key` the cache holds, if any (whether it is still the live one is storage's to say). */
  newest(key: string): SharedObject | undefined {
    return this.#byKey.get(key);
  }

  /** The shared object of `key` if the cache holds exactly the state written at `modRevision`. */
  current(key: string, modRevision: number): SharedObject | undefined {
    const hit = this.#byKey.get(key);
    return hit?.modRevision === modRevision ? hit : undefined;
  }

  /** A write's new state, as the watch cache decoded it. */
  put(key: string, shared: SharedObject): void {
    if (!this.#keeps(key)) return;
    const old = this.#byKey.get(key);
    if (!old || old.modRevision < shared.modRevision) this.#byKey.set(key, shared);
  }

  delete(key: string, revision: number): void {
    if (!this.#keeps(key)) return;
    this.#writing.delete(key);
    const old = this.#byKey.get(key);
    if (old && old.modRevision < revision) this.#byKey.delete(key);
    this.#deleted.delete(key);
    this.#deleted.set(key, revision);
    if (this.#deleted.size > TOMBSTONES) this.#deleted.delete(this.#deleted.keys().next().value!);
  }

  get size(): number {
    return this.#byKey.size;
  }
}
