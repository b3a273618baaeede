// Time as a dependency, one interface for every component: the client's workqueue, informer resync
// and backoffs, the scheduler's queue and the agent's pod workers read it through `Clock`, so tests
// drive time with `createFakeClock()` instead of sleeping.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, monotonic enough for backoff arithmetic (Date.now() in production). */
  now(): number;
  /** Calls `fn` once after `ms`; `cancel()` on the handle is idempotent. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

/**
 * The real clock for background work (scheduler backoff, agent pod workers): its timers are
 * unref'd, so a pending retry never keeps a process alive on its own.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/** Resolves after `ms` on `clock`, or rejects with the signal's reason when aborted first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface FakeClock extends Clock {
  /** Moves time forward, firing due timers in deadline order (timers a timer schedules included). */
  advance(ms: number): void;
  /** Number of timers not yet fired or cancelled. */
  pending(): number;
}

export function createFakeClock(start = 0): FakeClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; seq: number; fn: () => void }>();
  const next = (limit: number): number | undefined => {
    let best: number | undefined;
    for (const [id, t] of timers) {
      if (t.at > limit) continue;
      const b = best === undefined ? undefined : timers.get(best);
      if (!b || t.at < b.at || (t.at === b.at && t.seq < b.seq)) best = id;
    }
    return best;
  };
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), seq: id, fn });
      return { cancel: () => void timers.delete(id) };
    },
    advance(ms) {
      const target = now + ms;
      for (let id = next(target); id !== undefined; id = next(target)) {
        const t = timers.get(id);
        timers.delete(id);
        if (!t) continue;
        now = Math.max(now, t.at);
        t.fn();
      }
      now = target;
    },
    pending: () => timers.size,
  };
}

/** Fraction of a period added at random to each wait: client-go's wait.JitterUntil(…, 0.04, …), as kubelet's lease and node status loops use it. */
export const PERIOD_JITTER = 0.04;

export interface PeriodicGrid {
  /** Milliseconds to wait for the next run: one period (plus jitter) after the previous run was due. */
  next(periodMs: number): number;
  /** After a failed run: the next is `ms` from now, and the grid continues from there. */
  retryIn(ms: number): number;
}

/**
 * Due times of a periodic task kept on their own grid: each run is due a period (plus up to 4 %
 * jitter) after the previous one was *due*, not after it finished. Runs that queued together behind
 * a busy server keep their phases instead of falling into lock-step: 1,000 hollow nodes renewing
 * their leases in the same second every 10 s after one slow minute of the server, when each waited
 * its period from the end of its renewal. A run more than a period late starts a new grid at now
 * rather than catching up in a burst. The first run is due at creation.
 */
export function periodicGrid(clock: Clock, random: () => number = Math.random): PeriodicGrid {
  let due = clock.now();
  return {
    next(periodMs) {
      due += periodMs * (1 + PERIOD_JITTER * random());
      const now = clock.now();
      if (due < now - periodMs) due = now;
      return Math.max(0, due - now);
    },
    retryIn(ms) {
      due = clock.now() + ms;
      return ms;
    },
  };
}
