// Time as a dependency for backoff, deadlines and the hollow runtime: the client's Clock, so one
// clock object serves the agent and its API client. The agent's system clock unrefs its timers
// so a pending backoff never keeps a process alive on its own.
import { createFakeClock, type Clock, type FakeClock } from '../../client/index.ts';

export type { Clock, TimerHandle } from '../../client/index.ts';

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A clock for tests: time moves only through advance(). */
export type ManualClock = FakeClock;

export function manualClock(start = Date.parse('2026-01-01T00:00:00Z')): ManualClock {
  return createFakeClock(start);
}
