import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createFakeClock, periodicGrid, PERIOD_JITTER } from './clock.ts';

describe('periodicGrid', () => {
  test('each run is due a period after the previous was due, whatever the run took', () => {
    const clock = createFakeClock(0);
    const grid = periodicGrid(clock, () => 0);
    clock.advance(3_000); // the first run took 3 s (a busy server)
    assert.equal(grid.next(10_000), 7_000, 'due at 10 s, not at 13 s');
    clock.advance(7_000);
    assert.equal(grid.next(10_000), 10_000);
  });

  test('a run that comes late but within a period is due at once; later than that, the grid restarts at now', () => {
    const clock = createFakeClock(0);
    const grid = periodicGrid(clock, () => 0);
    clock.advance(15_000);
    assert.equal(grid.next(10_000), 0, 'due at 10 s: run now');
    clock.advance(40_000); // stalled for 40 s: no burst of make-up runs
    assert.equal(grid.next(10_000), 0);
    clock.advance(1_000);
    assert.equal(grid.next(10_000), 9_000, 'the new grid started at 55 s');
  });

  test('jitter adds up to 4 % of the period, as client-go wait.JitterUntil(…, 0.04, …)', () => {
    const clock = createFakeClock(0);
    assert.ok(Math.abs(periodicGrid(clock, () => 0.5).next(10_000) - 10_000 * (1 + PERIOD_JITTER / 2)) < 1e-6);
    const waits = Array.from({ length: 200 }, () => periodicGrid(clock).next(10_000));
    assert.ok(waits.every((w) => w >= 10_000 && w < 10_400));
    assert.ok(new Set(waits).size > 100, 'the default source is random');
  });

  test('a retry counts the period from when it was scheduled', () => {
    const clock = createFakeClock(0);
    const grid = periodicGrid(clock, () => 0);
    clock.advance(500);
    assert.equal(grid.retryIn(200), 200);
    clock.advance(200);
    assert.equal(grid.next(10_000), 10_000);
  });
});
