import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeClock } from '../../util/index.ts';
import { pending, SUCCESS } from '../framework/status.ts';
import { makePod } from '../testing/fixtures.ts';
import { SchedulingQueue } from './scheduling-queue.ts';

test('activeQ pops higher priority first, then older', () => {
  const clock = createFakeClock(1_700_000_000_000);
  const q = new SchedulingQueue({ clock });
  q.add(makePod('low', { priority: 1 }));
  clock.advance(1);
  q.add(makePod('high-new', { priority: 10 }));
  q.add(makePod('old-low', { priority: 1 }));
  clock.advance(1);
  q.add(makePod('high-newer', { priority: 10 }));
  const order = [q.pop(), q.pop(), q.pop(), q.pop()].map((x) => x?.podInfo.name);
  assert.deepEqual(order, ['high-new', 'high-newer', 'low', 'old-low']);
  assert.equal(q.pop(), undefined);
});

test('backoff doubles from 1 s to a 10 s cap; a move event sends a backing-off pod to backoffQ', () => {
  const clock = createFakeClock(1_700_000_000_000);
  const q = new SchedulingQueue({ clock });
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration(a)),
    [1000, 2000, 4000, 8000, 10000, 10000],
  );
  const pod = makePod('p');
  q.add(pod);
  const qp = q.pop()!;
  q.requeueFailed(qp, q.cycle, { plugins: ['NodeResourcesFit'] });
  assert.equal(q.whereIs(pod), 'unschedulable');
  q.moveAllToActiveOrBackoff('NodeAdd');
  assert.equal(q.whereIs(pod), 'backoff');
  assert.equal(q.pop(), undefined);
  clock.advance(1000);
  assert.equal(q.pop()?.podInfo.name, 'p');
});

test('events only move pods rejected by plugins that care; leftovers flush after 5 minutes', () => {
  const clock = createFakeClock(1_700_000_000_000);
  const q = new SchedulingQueue({ clock, pluginEvents: (p) => (p === 'TaintToleration' ? ['NodeUpdate'] : undefined) });
  const pod = makePod('p');
  q.add(pod);
  q.requeueFailed(q.pop()!, q.cycle, { plugins: ['TaintToleration'] });
  q.moveAllToActiveOrBackoff('AssignedPodDelete');
  assert.equal(q.whereIs(pod), 'unschedulable');
  clock.advance(5 * 60_000);
  q.flushUnschedulableLeftover();
  assert.equal(q.whereIs(pod), 'active');
});

test('a failure during a cycle that saw a move request goes to backoffQ, not unschedulable', () => {
  const clock = createFakeClock(1_700_000_000_000);
  const q = new SchedulingQueue({ clock });
  const pod = makePod('p');
  q.add(pod);
  const qp = q.pop()!;
  q.moveAllToActiveOrBackoff('NodeAdd');
  q.requeueFailed(qp, q.cycle, { plugins: ['NodeResourcesFit'] });
  assert.equal(q.whereIs(pod), 'backoff');
});

test('gated pods wait until an update passes PreEnqueue', () => {
  const q = new SchedulingQueue({ preEnqueue: (pi) => (pi.pod.spec?.schedulingGates?.length ? pending('gated') : SUCCESS) });
  const pod = makePod('g', { spec: { schedulingGates: [{ name: 'x' }] } });
  q.add(pod);
  assert.equal(q.whereIs(pod), 'gated');
  q.moveAllToActiveOrBackoff('NodeAdd');
  assert.equal(q.pop(), undefined);
  q.update({ ...pod, spec: { ...pod.spec!, schedulingGates: [] } });
  assert.equal(q.pop()?.podInfo.name, 'g');
});
