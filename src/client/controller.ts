// The one loop every controller runs (client-go's processNextWorkItem): `workers` loops pull a
// key, call the idempotent `reconcile(key)`, forget the key's backoff on success and requeue it
// rate-limited on a throw. The workqueue guarantees one worker per key.

import { keyOf } from './store.ts';
import { consoleLogger, type KubeObject, type Logger } from './types.ts';
import type { Informer } from './informer.ts';
import type { WorkQueue } from './workqueue.ts';

export interface Reconciler {
  /**
   * Brings the world in line with `key`'s desired state. Idempotent; never called concurrently
   * for one key. Throw to retry with backoff; return `{ requeueAfterMs }` to look again later
   * (e.g. a grace period ending) without counting a failure.
   */
  reconcile(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }>;
}

export interface RunControllerOptions {
  name: string;
  reconciler: Reconciler;
  queue: WorkQueue<string>;
  workers?: number;
  /** Aborting shuts the queue down; in-flight reconciles see the same signal. */
  signal: AbortSignal;
  /** Drop a key after this many consecutive failures (default: never). */
  maxRetries?: number;
  logger?: Logger;
}

/** Resolves when `signal` has aborted and every worker has finished its current key. */
export async function runController(opts: RunControllerOptions): Promise<void> {
  const { queue, reconciler, signal } = opts;
  const log = opts.logger ?? consoleLogger;
  const onAbort = (): void => queue.shutDown({ drain: false });
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });

  async function worker(): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const r = await reconciler.reconcile(key, signal);
        queue.forget(key);
        if (r && r.requeueAfterMs >= 0) queue.addAfter(key, r.requeueAfterMs);
      } catch (err) {
        const retries = queue.numRequeues(key);
        const msg = err instanceof Error ? err.message : String(err);
        if (signal.aborted) {
          // Shutting down: the failure is most likely the abort itself.
        } else if (opts.maxRetries !== undefined && retries >= opts.maxRetries) {
          log.warn(`${opts.name}: dropping ${key} after ${retries} retries: ${msg}`);
          queue.forget(key);
        } else {
          log.warn(`${opts.name}: error syncing ${key} (retry ${retries + 1}): ${msg}`);
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: Math.max(1, opts.workers ?? 1) }, () => worker()));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Wires an informer to a queue: every add/update/delete enqueues the keys `toKeys` returns
 * (default: the object's own key). Handlers only compute keys — the work happens in reconcile.
 */
export function enqueueOnChange<T extends KubeObject>(
  informer: Informer<T>,
  queue: WorkQueue<string>,
  toKeys: (obj: T) => string[] = (o) => [keyOf(o)],
): () => void {
  const enqueue = (o: T): void => toKeys(o).forEach((k) => queue.add(k));
  const offs = [informer.on('add', enqueue), informer.on('update', (_old, obj) => enqueue(obj)), informer.on('delete', enqueue)];
  return () => offs.forEach((off) => off());
}
