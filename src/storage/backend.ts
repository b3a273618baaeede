// The storage contract the apiserver needs, and nothing wider (cf. kine).
//
// Keys are strings like `/registry/pods/default/web`. Values are opaque strings (the apiserver stores
// JSON without metadata.resourceVersion; it derives that from modRevision on read).
// Revisions form one global, strictly increasing counter shared by every key: each successful
// create/update/delete takes the next revision. A key's modRevision is the revision of its latest write.

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** Revision of the write that created the current incarnation of the key. */
  readonly createRevision: number;
  /** Revision of the latest write to the key. */
  readonly modRevision: number;
}

export interface ListOptions {
  /** Read as of this revision (must not be compacted, nor above the current one); 0/undefined = current. */
  readonly revision?: number;
  /** At most this many items (0/undefined = all). */
  readonly limit?: number;
  /** Only keys strictly greater than this one (for continue tokens). */
  readonly startAfter?: string;
  /**
   * When false, `remaining` only says whether more keys follow (0 or at least 1): a read that pages
   * through a whole collection needs no count, and counting the rest of the range on every page
   * costs SQLite a scan of it (O(N²/limit) over the whole read). Default true.
   */
  readonly countRemaining?: boolean;
}

export interface ListResult {
  readonly items: KeyValue[];
  /** The revision the list was read at. */
  readonly revision: number;
  /** Number of matching keys after the last returned item (0 when complete; see countRemaining). */
  readonly remaining: number;
}

/** Outcome of a write. A lost race / precondition failure is a value, not an exception. */
export type WriteResult =
  | { readonly ok: true; readonly revision: number; readonly kv: KeyValue }
  | { readonly ok: false; readonly current: KeyValue | undefined };

export type DeleteResult =
  | { readonly ok: true; readonly revision: number; readonly prev: KeyValue }
  | { readonly ok: false; readonly current: KeyValue | undefined };

export interface WatchEvent {
  readonly type: 'put' | 'delete';
  /** For put: the new value. For delete: key with the deleted value, modRevision = the delete's revision. */
  readonly kv: KeyValue;
  /** The value before this event (undefined for a create). */
  readonly prev: KeyValue | undefined;
  readonly revision: number;
}

export interface WatchOptions {
  /** Deliver every event with revision > fromRevision. Throws CompactedError if that history is gone. */
  readonly fromRevision: number;
  readonly signal: AbortSignal;
  /**
   * Called when the backend knows every event up to `revision` has been delivered to this watch
   * (etcd progress notifications), so a bookmark may name it. Backends whose watches cannot lag
   * behind their writes (sqlite) never call it.
   */
  readonly onProgress?: (revision: number) => void;
  /**
   * Called if the watch ends on the backend's side after it was registered (etcd: history
   * compacted while the stream was reconnecting). Nothing more is delivered afterwards.
   */
  readonly onError?: (error: Error) => void;
}

/** Thrown (or passed to onError) when a read/watch asks for history that compaction removed. */
export class CompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compactRevision: number,
  ) {
    super(`required revision ${requested} has been compacted (compacted to ${compactRevision})`);
    this.name = 'CompactedError';
  }
}

/** Thrown when a read or compaction names a revision that has not been written yet. */
export class FutureRevisionError extends Error {
  constructor(
    readonly requested: number,
    readonly currentRevision: number,
  ) {
    super(`required revision ${requested} is a future revision (current is ${currentRevision})`);
    this.name = 'FutureRevisionError';
  }
}

export interface Backend {
  get(key: string): Promise<KeyValue | undefined>;
  /**
   * The modRevision of the key's live value without reading the value (undefined: no such key).
   * Optional: for a reader that already holds the value of that revision (the API's object cache).
   */
  modRevision?(key: string): Promise<number | undefined>;
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Fails (ok: false, current) if the key exists. */
  create(key: string, value: string): Promise<WriteResult>;
  /** Compare-and-swap on modRevision. Fails if the key is missing or its modRevision differs. */
  update(key: string, value: string, expectedModRevision: number): Promise<WriteResult>;
  /** Compare-and-swap delete on modRevision. */
  delete(key: string, expectedModRevision: number): Promise<DeleteResult>;
  /**
   * Ordered delivery of every event under `prefix` after `fromRevision`, first replayed history,
   * then live events, each exactly once and in revision order. The call returns once the watch is
   * registered; it ends when `signal` aborts. Throws CompactedError synchronously-ish (rejected
   * promise) when fromRevision < compactRevision.
   */
  watch(prefix: string, onEvent: (e: WatchEvent) => void, options: WatchOptions): Promise<void>;
  /** The latest revision written. */
  currentRevision(): number;
  /** The oldest revision still readable (history at or below it is gone). */
  compactRevision(): number;
  /**
   * Drop history older than `revision` (keeps the newest row of every live key), so reads at
   * `revision` and watches from it still work. No-op at or below compactRevision(); throws
   * FutureRevisionError above currentRevision().
   */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
