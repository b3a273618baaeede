import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration, resolveNodeTimers } from './node-timers.ts';

test('parseDuration: Go durations and plain seconds', () => {
  assert.equal(parseDuration('40s'), 40_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('8'), 8_000);
  assert.throws(() => parseDuration('soon'), /invalid duration/);
});

test('profiles: default is upstream, fast is short, explicit flags win', () => {
  assert.deepEqual(resolveNodeTimers('default', {}), {
    gracePeriodMs: 40_000,
    notReadyTolerationSeconds: 300,
    unreachableTolerationSeconds: 300,
    leaseDurationSeconds: 40,
  });
  assert.deepEqual(resolveNodeTimers('fast', { unreachableTolerationSeconds: 5 }), {
    gracePeriodMs: 8_000,
    notReadyTolerationSeconds: 2,
    unreachableTolerationSeconds: 5,
    leaseDurationSeconds: 8,
  });
  assert.throws(() => resolveNodeTimers('turbo', {}), /unknown profile/);
});
