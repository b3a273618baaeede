// Group commit. Every write requested while the event loop is busy is queued and, on the next
// setImmediate, all of them (up to maxBatch) commit in ONE transaction — one fsync for the batch.
//
// Contracts:
// - Writes apply in the order they were requested; each one checks its own precondition inside the
//   transaction and produces its own result, so a lost CAS fails only that write.
// - A write's promise settles only after the transaction committed (so a resolved write is durable),
//   and `onCommit` sees the batch's events, in revision order, before any promise settles.
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
}

export class WriteQueue<E> {
  readonly #options: WriteQueueOptions<E>;
  readonly #maxBatch: number;
  #jobs: Job<E>[] = [];
  #scheduled = false;
  #closed = false;
  #drained: (() => void)[] = [];

  constructor(options: WriteQueueOptions<E>) {
    this.#options = options;
    this.#maxBatch = options.maxBatch ?? 1000;
  }

  /** Queues `apply`, which runs inside the batch's transaction and must be synchronous. */
  submit<R>(apply: () => Applied<R, E>): Promise<R> {
    if (this.#closed) return Promise.reject(new Error('storage backend is closed'));
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
    if (this.#jobs.length === 0) return Promise.resolve();
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
    for (const job of batch) job.settle();
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (this.#jobs.length > 0) return;
    for (const resolve of this.#drained.splice(0)) resolve();
  }
}
