// Periodic compaction that several API servers on one etcd agree on, as kube-apiserver does: the
// key `compact_rev_key` (outside the prefix, so no watch sees it) is a logical clock. Each tick a
// server swaps it only if its version is still the one that server last saw; the single winner of
// a round compacts, the others learn the new version and wait for the next round.
import type { KVClient } from 'etcd3';

export const COMPACT_KEY = Buffer.from('compact_rev_key');

export interface AutoCompactorOptions {
  /** Revisions of history to keep behind the current one. */
  readonly window: number;
  readonly intervalMs: number;
  readonly current: () => number;
  readonly compact: (revision: number) => Promise<void>;
  readonly logger?: { error(obj: object, msg: string): void };
}

export class AutoCompactor {
  readonly #timer: NodeJS.Timeout;
  #version = 0;
  #running = false;

  constructor(
    private readonly kv: KVClient,
    private readonly options: AutoCompactorOptions,
  ) {
    this.#timer = setInterval(() => void this.tick(), options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One round; never throws (a failed round is retried at the next tick). */
  async tick(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      const target = this.options.current() - this.options.window;
      if (target <= 0) return;
      const res = await this.kv.txn({
        compare: [{ key: COMPACT_KEY, target: 'Version', result: 'Equal', version: this.#version }],
        success: [{ request_put: { key: COMPACT_KEY, value: Buffer.from(String(target)) } }],
        failure: [{ request_range: { key: COMPACT_KEY } }],
      });
      if (!res.succeeded) {
        this.#version = Number(res.responses[0]?.response_range.kvs[0]?.version ?? 0);
        return;
      }
      this.#version += 1;
      await this.options.compact(target);
    } catch (error) {
      this.options.logger?.error({ err: error }, 'etcd auto-compaction failed');
    } finally {
      this.#running = false;
    }
  }
}
