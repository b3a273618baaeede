// Group commit. Every write requested while the event loop is busy is queued and, on the next
// setImmediate, all of them (up to maxBatch) commit in ONE transaction — one fsync for the batch.
//
// Contracts:
// - Writes apply in the order they were requested; each one checks its own precondition inside the
//   transaction and produces its own result, so a lost CAS fails only that write.
// - A write's promise settles only after the transaction committed and, with `durable`, after that
//   resolved (so a resolved write is on disk); `onCommit` sees the batch's events, in revision order,
//   at commit, before any promise settles. Readers see a commit at once, as they would see it with
//   the fsync inside the commit; only the acknowledgement waits for the disk, off the event loop,
//   while the next batches commit.
// - If `durable` fails (the disk refused an fsync), the batch's writes reject and so does every
//   later write: nothing is acknowledged that might not be on disk (etcd stops on a failed WAL sync).
// - If the transaction itself throws (I/O error, disk full), it is rolled back and every write of
//   that batch rejects with the error; nothing was appended and no event is published.

export interface Applied<R, E> {
  readonly result: R;
  /** What this write appended, to publish after commit; undefined for a failed precondition. */
  readonly event: E | undefined;
}

interface Job<E> {
  apply(): E | undefined;
  settle(): void;
  fail(error: unknown): void;
}

export interface WriteQueueOptions<E> {
  /** Runs `fn` in one transaction (throws → rolled back). */
  readonly transaction: (fn: () => void) => void;
  /** Called once per committed batch with the events in revision order. Must not throw. */
  readonly onCommit: (events: readonly E[]) => void;
  /** Largest batch per transaction, bounding how long one commit holds the event loop. */
  readonly maxBatch?: number;
  /** Resolves once everything committed before the call is on disk; absent: commits are durable. */
  readonly durable?: () => Promise<void>;
}

export class WriteQueue<E> {
  readonly #options: WriteQueueOptions<E>;
  readonly #maxBatch: number;
  #jobs: Job<E>[] = [];
  #scheduled = false;
  #closed = false;
  #drained: (() => void)[] = [];
  /** Committed batches waiting for `durable`. */
  #syncing = 0;
  #syncError: unknown;

  constructor(options: WriteQueueOptions<E>) {
    this.#options = options;
    this.#maxBatch = options.maxBatch ?? 1000;
  }

  /** Queues `apply`, which runs inside the batch's transaction and must be synchronous. */
  submit<R>(apply: () => Applied<R, E>): Promise<R> {
    if (this.#closed) return Promise.reject(new Error('storage backend is closed'));
    if (this.#syncError !== undefined) return Promise.reject(this.#syncError);
    return new Promise<R>((resolve, reject) => {
      let applied: Applied<R, E> | undefined;
      this.#jobs.push({
        apply: () => {
          applied = apply();
          return applied.event;
        },
        settle: () => resolve(applied!.result),
        fail: reject,
      });
      this.#schedule();
    });
  }

  /** Stops accepting writes; resolves once every queued write has committed (or failed). */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#jobs.length === 0 && this.#syncing === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#jobs.splice(0, this.#maxBatch);
    if (this.#jobs.length > 0) this.#schedule();
    const events: E[] = [];
    try {
      this.#options.transaction(() => {
        events.length = 0;
        for (const job of batch) {
          const event = job.apply();
          if (event !== undefined) events.push(event);
        }
      });
    } catch (error) {
      for (const job of batch) job.fail(error);
      this.#checkDrained();
      return;
    }
    this.#options.onCommit(events);
    const durable = this.#options.durable;
    if (!durable) {
      for (const job of batch) job.settle();
      this.#checkDrained();
      return;
    }
    this.#syncing++;
    durable()
      .then(
        () => {
          for (const job of batch) job.settle();
        },
        (error: unknown) => {
          this.#syncError = new Error(`storage is not durable: fsync of the write-ahead log failed: ${error instanceof Error ? error.message : String(error)}`);
          for (const job of batch) job.fail(this.#syncError);
        },
      )
      .finally(() => {
        this.#syncing--;
        this.#checkDrained();
      });
  }

  #checkDrained(): void {
    if (this.#jobs.length > 0 || this.#syncing > 0) return;
    for (const resolve of this.#drained.splice(0)) resolve();
  }
}
