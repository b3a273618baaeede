// The agent's clock is the shared one (src/util/clock.ts); the system clock unrefs its timers so a
// pending backoff never keeps a process alive on its own.
import { createFakeClock, type FakeClock } from '../../util/index.ts';

export { periodicGrid, systemClock, type Clock, type TimerHandle } from '../../util/index.ts';

/** A clock for tests: time moves only through advance(). */
export type ManualClock = FakeClock;

export function manualClock(start = Date.parse('2026-01-01T00:00:00Z')): ManualClock {
  return createFakeClock(start);
}
