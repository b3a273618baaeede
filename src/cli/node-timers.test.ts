import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeNodeTimers, NODE_TIMER_PROFILES, parseDuration, resolveNodeTimers } from './node-timers.ts';

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
    gracePeriodMs: 3_000,
    notReadyTolerationSeconds: 0,
    unreachableTolerationSeconds: 5,
    leaseDurationSeconds: 3,
  });
  assert.throws(() => resolveNodeTimers('turbo', {}), /unknown profile/);
});

test('--help describes each profile from its values', () => {
  assert.equal(describeNodeTimers(NODE_TIMER_PROFILES.default!), '40s grace, 300s tolerations, 40s node leases renewed every 10s');
  assert.equal(describeNodeTimers(NODE_TIMER_PROFILES.fast!), '3s grace, 0s tolerations, 3s node leases renewed every 750ms');
  assert.equal(
    describeNodeTimers(resolveNodeTimers('fast', { notReadyTolerationSeconds: 10 })),
    '3s grace, 10s not-ready / 0s unreachable tolerations, 3s node leases renewed every 750ms',
  );
});
