// Every watch of one backend multiplexed on one etcd gRPC watch stream, resumed after failures.
//
// Each watcher carries its own id (etcd ≥ 3.4 accepts client-chosen watch ids), the range it
// watches and the last revision it has been given. When the stream breaks (a member died, the
// connection reset) a new stream is opened — the pool picks a live member — and every watcher is
// re-created from last + 1, so delivery stays gap-free and duplicate-free across the switch.
// Progress notifications (etcd's periodic ones and the answers to our progress requests) tell a
// watcher that everything up to a revision has been delivered: that is what bookmarks report.
import type { IDuplexStream, IEvent, IWatchRequest, IWatchResponse, WatchClient } from 'etcd3';

export interface StreamWatcher {
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  /** Revision delivered so far; the watch (re)starts at last + 1. */
  last: number;
  readonly onEvents: (events: IEvent[]) => void;
  readonly onProgress?: (revision: number) => void;
  /** The watch ended on etcd's side after it was created (e.g. compacted while disconnected). */
  readonly onCanceled: (reason: string, compactRevision: number) => void;
}

interface Entry {
  readonly watcher: StreamWatcher;
  /** Settles the add() call once etcd confirmed (or refused) the watch. */
  pending?: { resolve: () => void; reject: (error: Error) => void };
}

export interface WatchStreamOptions {
  /** Every response header's revision (the store's current revision). */
  readonly onRevision: (revision: number) => void;
  readonly logger?: { warn(obj: object, msg: string): void };
  /** How often to ask etcd for a progress notification while watchers exist (0 = never). */
  readonly progressIntervalMs?: number;
}

export class WatchCanceledError extends Error {
  constructor(
    readonly reason: string,
    readonly compactRevision: number,
  ) {
    super(`etcd canceled the watch: ${reason || 'no reason given'}`);
    this.name = 'WatchCanceledError';
  }
}

const MAX_BACKOFF_MS = 2000;

export class EtcdWatchStream {
  readonly #client: WatchClient;
  readonly #options: WatchStreamOptions;
  readonly #entries = new Map<string, Entry>();
  #stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
  #opening = false;
  #nextId = 1;
  #backoffMs = 100;
  #closed = false;
  readonly #progressTimer: NodeJS.Timeout | undefined;

  constructor(client: WatchClient, options: WatchStreamOptions) {
    this.#client = client;
    this.#options = options;
    const every = options.progressIntervalMs ?? 0;
    if (every > 0) {
      this.#progressTimer = setInterval(() => {
        if (this.#entries.size > 0) this.#stream?.write({ progress_request: {} });
      }, every);
      this.#progressTimer.unref();
    }
  }

  /** Registers a watcher; resolves once etcd created it, rejects with WatchCanceledError if refused. */
  add(watcher: StreamWatcher, signal: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('storage backend is closed'));
    const id = String(this.#nextId++);
    const entry: Entry = { watcher };
    const created = new Promise<void>((resolve, reject) => {
      entry.pending = { resolve, reject };
    });
    this.#entries.set(id, entry);
    signal.addEventListener('abort', () => this.#remove(id), { once: true });
    if (this.#stream) this.#create(this.#stream, id, entry);
    else this.#open();
    return created;
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#progressTimer);
    for (const entry of this.#entries.values()) entry.pending?.reject(new Error('storage backend is closed'));
    this.#entries.clear();
    this.#stream?.cancel();
    this.#stream = undefined;
  }

  #remove(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    entry.pending?.resolve();
    this.#stream?.write({ cancel_request: { watch_id: id } });
  }

  #create(stream: IDuplexStream<IWatchRequest, IWatchResponse>, id: string, entry: Entry): void {
    const w = entry.watcher;
    stream.write({
      create_request: {
        key: w.key,
        range_end: w.rangeEnd,
        start_revision: w.last + 1,
        prev_kv: true,
        progress_notify: true,
        watch_id: id,
      },
    });
  }

  #open(): void {
    if (this.#opening || this.#closed) return;
    this.#opening = true;
    this.#client
      .watch()
      .then((stream) => {
        this.#opening = false;
        if (this.#closed) {
          stream.cancel();
          return;
        }
        this.#stream = stream;
        stream.on('data', (res: IWatchResponse) => this.#onResponse(res));
        stream.on('error', (error: Error) => this.#onBroken(stream, error));
        stream.on('end', () => this.#onBroken(stream, new Error('watch stream ended')));
        for (const [id, entry] of this.#entries) this.#create(stream, id, entry);
      })
      .catch((error: Error) => {
        this.#opening = false;
        this.#retry(error);
      });
  }

  #onBroken(stream: IDuplexStream<IWatchRequest, IWatchResponse>, error: Error): void {
    if (this.#stream !== stream) return;
    this.#stream = undefined;
    stream.cancel();
    this.#retry(error);
  }

  #retry(error: Error): void {
    if (this.#closed || this.#entries.size === 0) return;
    this.#options.logger?.warn({ err: error, watchers: this.#entries.size }, 'etcd watch stream broke; resuming');
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
    setTimeout(() => this.#open(), delay).unref();
  }

  #onResponse(res: IWatchResponse): void {
    this.#backoffMs = 100;
    const revision = Number(res.header?.revision ?? 0);
    if (revision > 0) this.#options.onRevision(revision);
    if (res.watch_id === '-1') {
      // The answer to a progress request: every watcher of the stream is synced up to `revision`.
      for (const entry of this.#entries.values()) this.#progress(entry, revision);
      return;
    }
    const id = String(res.watch_id);
    const entry = this.#entries.get(id);
    if (!entry) return; // canceled by us; late responses are dropped
    if (res.canceled) {
      this.#entries.delete(id);
      const compactRevision = Number(res.compact_revision ?? 0);
      if (entry.pending) entry.pending.reject(new WatchCanceledError(res.cancel_reason, compactRevision));
      else entry.watcher.onCanceled(res.cancel_reason, compactRevision);
      return;
    }
    if (res.created) {
      entry.pending?.resolve();
      entry.pending = undefined;
    }
    if (res.events.length > 0) {
      const last = Number(res.events.at(-1)!.kv.mod_revision);
      entry.watcher.last = Math.max(entry.watcher.last, last);
      entry.watcher.onEvents(res.events);
    } else if (!res.created) {
      this.#progress(entry, revision);
    }
  }

  #progress(entry: Entry, revision: number): void {
    if (entry.pending || revision <= entry.watcher.last) return;
    entry.watcher.last = revision;
    entry.watcher.onProgress?.(revision);
  }
}
