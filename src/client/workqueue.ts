// Rate-limited work queue with client-go's contract (util/workqueue):
//  - a key is queued at most once (dirty set), however often it is added;
//  - a key is never handed to two workers: a key added while processing waits in `dirty` and is
//    queued again when `done(key)` is called;
//  - `addAfter` delays an add (the earliest pending deadline per key wins);
//  - `addRateLimited` delays by the limiter's verdict (per-item backoff + token bucket),
//    `forget` resets the item's backoff;
//  - after `shutDown`, adds are ignored and `get` resolves undefined once the queue is drained
//    (or at once with `{ drain: false }`).

import { realClock, type Clock, type TimerHandle } from '../util/index.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.ts';

export interface WorkQueueOptions<K> {
  name?: string;
  clock?: Clock;
  /** Overrides the default limiter (exponential base/max + bucket qps/burst below). */
  rateLimiter?: RateLimiter<K>;
  baseDelayMs?: number;
  maxDelayMs?: number;
  qps?: number;
  burst?: number;
}

export interface WorkQueue<K = string> {
  readonly name: string;
  add(key: K): void;
  addAfter(key: K, ms: number): void;
  addRateLimited(key: K): void;
  forget(key: K): void;
  numRequeues(key: K): number;
  /** Next key to process; undefined once shut down. The caller must call `done(key)`. */
  get(): Promise<K | undefined>;
  done(key: K): void;
  /** Keys waiting to be handed out (not processing, not delayed). */
  len(): number;
  /** Stops the queue. Pending `get`s resolve undefined; with `drain` they first get queued keys. */
  shutDown(opts?: { drain?: boolean }): void;
  readonly shuttingDown: boolean;
}

export function createWorkQueue<K = string>(opts: WorkQueueOptions<K> = {}): WorkQueue<K> {
  const clock = opts.clock ?? realClock;
  const limiter =
    opts.rateLimiter ??
    defaultControllerRateLimiter<K>({
      clock,
      baseMs: opts.baseDelayMs,
      maxMs: opts.maxDelayMs,
      qps: opts.qps,
      burst: opts.burst,
    });
  const queue: K[] = [];
  let head = 0;
  const dirty = new Set<K>();
  const processing = new Set<K>();
  const waiting = new Map<K, { at: number; timer: TimerHandle }>();
  const getters: ((k: K | undefined) => void)[] = [];
  let shuttingDown = false;
  let drain = true;

  const queued = (): number => queue.length - head;

  function push(key: K): void {
    const getter = getters.shift();
    if (getter) {
      dirty.delete(key);
      processing.add(key);
      getter(key);
      return;
    }
    queue.push(key);
  }

  function shift(): K | undefined {
    if (head >= queue.length) return undefined;
    const key = queue[head] as K;
    head++;
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    return key;
  }

  const q: WorkQueue<K> = {
    name: opts.name ?? 'queue',
    add(key) {
      if (shuttingDown || dirty.has(key)) return;
      dirty.add(key);
      if (processing.has(key)) return;
      push(key);
    },
    addAfter(key, ms) {
      if (shuttingDown) return;
      if (ms <= 0) return q.add(key);
      const at = clock.now() + ms;
      const prev = waiting.get(key);
      if (prev && prev.at <= at) return;
      prev?.timer.cancel();
      const timer = clock.setTimeout(() => {
        waiting.delete(key);
        q.add(key);
      }, ms);
      waiting.set(key, { at, timer });
    },
    addRateLimited: (key) => q.addAfter(key, limiter.when(key)),
    forget: (key) => limiter.forget(key),
    numRequeues: (key) => limiter.numRequeues(key),
    get() {
      if (shuttingDown && (!drain || queued() === 0)) return Promise.resolve(undefined);
      const key = shift();
      if (key !== undefined) {
        dirty.delete(key);
        processing.add(key);
        return Promise.resolve(key);
      }
      return new Promise((resolve) => getters.push(resolve));
    },
    done(key) {
      processing.delete(key);
      if (dirty.has(key) && !shuttingDown) push(key);
      else if (dirty.has(key)) queue.push(key);
    },
    len: queued,
    shutDown(o = {}) {
      shuttingDown = true;
      drain = o.drain ?? true;
      for (const w of waiting.values()) w.timer.cancel();
      waiting.clear();
      // Getters only wait when the queue is empty, so nothing is left for them to drain.
      for (const g of getters.splice(0)) g(undefined);
    },
    get shuttingDown() {
      return shuttingDown;
    },
  };
  return q;
}
