// Rate limiters for the workqueue, as client-go's workqueue/default_rate_limiters.go: per-item
// exponential backoff combined (max) with an overall token bucket. `when` both answers and
// records: each call counts as one retry of the item / consumes one token.

import type { Clock } from '../util/index.ts';

export interface RateLimiter<K> {
  /** How long to wait before handing `key` out again. */
  when(key: K): number;
  /** Stops tracking `key` (call after it was processed successfully). */
  forget(key: K): void;
  /** How many times `when` was called for `key` since it was last forgotten. */
  numRequeues(key: K): number;
}

export interface ExponentialOptions {
  baseMs?: number;
  maxMs?: number;
}

/** baseMs * 2^failures, capped at maxMs (client-go default: 5 ms .. 1000 s). */
export function exponentialFailureRateLimiter<K>(opts: ExponentialOptions = {}): RateLimiter<K> {
  const base = opts.baseMs ?? 5;
  const max = opts.maxMs ?? 1_000_000;
  const failures = new Map<K, number>();
  return {
    when(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      return Math.min(max, base * 2 ** Math.min(n, 62));
    },
    forget: (key) => void failures.delete(key),
    numRequeues: (key) => failures.get(key) ?? 0,
  };
}

export interface BucketOptions {
  qps?: number;
  burst?: number;
  clock: Clock;
}

/**
 * Token bucket shared by all items (client-go default: 10 qps, burst 100). Each `when` reserves a
 * token; once the bucket is empty, reservations queue up 1/qps apart.
 */
export function bucketRateLimiter<K>(opts: BucketOptions): RateLimiter<K> {
  const qps = opts.qps ?? 10;
  const burst = opts.burst ?? 100;
  let tokens = burst;
  let last = opts.clock.now();
  return {
    when() {
      const now = opts.clock.now();
      tokens = Math.min(burst, tokens + ((now - last) * qps) / 1000);
      last = now;
      tokens -= 1;
      return tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / qps);
    },
    forget: () => undefined,
    numRequeues: () => 0,
  };
}

/** The longest wait of all limiters; requeues as reported by the first. */
export function maxOfRateLimiter<K>(...limiters: RateLimiter<K>[]): RateLimiter<K> {
  return {
    when: (key) => limiters.reduce((m, l) => Math.max(m, l.when(key)), 0),
    forget: (key) => limiters.forEach((l) => l.forget(key)),
    numRequeues: (key) => limiters.reduce((m, l) => Math.max(m, l.numRequeues(key)), 0),
  };
}

export interface DefaultRateLimiterOptions extends ExponentialOptions {
  qps?: number;
  burst?: number;
  clock: Clock;
}

export function defaultControllerRateLimiter<K>(opts: DefaultRateLimiterOptions): RateLimiter<K> {
  return maxOfRateLimiter<K>(exponentialFailureRateLimiter<K>(opts), bucketRateLimiter<K>(opts));
}
