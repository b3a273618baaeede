// In-process fan-out of committed events to watchers.
//
// Gap-free, duplicate-free resume relies on single-threadedness: `subscribe` reads history up to the
// current revision and registers the watcher in one synchronous step, so no commit (which also runs
// synchronously, from the write queue) can fall between the replay and the first live event.
import type { WatchEvent } from '../backend.ts';

export interface HubLogger {
  error(obj: object, msg: string): void;
}

interface Watcher {
  readonly prefix: string;
  readonly onEvent: (e: WatchEvent) => void;
  readonly signal: AbortSignal;
  /** Replay covered revisions up to here; live events at or below it are skipped. */
  readonly replayedTo: number;
}

export class WatchHub {
  readonly #watchers = new Set<Watcher>();
  readonly #logger: HubLogger | undefined;

  constructor(logger: HubLogger | undefined) {
    this.#logger = logger;
  }

  get size(): number {
    return this.#watchers.size;
  }

  /**
   * Delivers `replay` (history the caller just read, in revision order) and then every event later
   * passed to `publish` with a revision above `replayedTo`, until `signal` aborts. Must be called in
   * the same synchronous step as the read that produced `replay` (which covered up to `replayedTo`;
   * the bound matters when subscribing from inside a handler, mid-publish).
   */
  subscribe(prefix: string, onEvent: (e: WatchEvent) => void, options: { signal: AbortSignal; replay: readonly WatchEvent[]; replayedTo: number }): void {
    const { signal, replay, replayedTo } = options;
    if (signal.aborted) return;
    const watcher: Watcher = { prefix, onEvent, signal, replayedTo };
    this.#watchers.add(watcher);
    signal.addEventListener('abort', () => this.#watchers.delete(watcher), { once: true });
    for (const event of replay) this.#deliver(watcher, event);
  }

  /** Publishes one committed batch, in revision order. Never throws. */
  publish(events: readonly WatchEvent[]): void {
    if (this.#watchers.size === 0) return;
    for (const event of events) {
      for (const watcher of this.#watchers) {
        if (event.revision > watcher.replayedTo && event.kv.key.startsWith(watcher.prefix)) {
          this.#deliver(watcher, event);
        }
      }
    }
  }

  /** Drops every watcher (they receive nothing more). */
  clear(): void {
    this.#watchers.clear();
  }

  #deliver(watcher: Watcher, event: WatchEvent): void {
    if (watcher.signal.aborted) return;
    try {
      watcher.onEvent(event);
    } catch (error) {
      // One broken watcher must not stop delivery to the others or fail the writes that committed.
      this.#logger?.error({ err: error, prefix: watcher.prefix }, 'storage watch handler threw');
    }
  }
}
