import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Event } from 'kubernetes-types/core/v1.d.ts';
import { createFakeClock } from '../util/index.ts';
import { rfc3339 } from '../api/index.ts';
import { AGGREGATE_PREFIX, EventCorrelator, type Correlation } from './event-correlator.ts';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

function occurrence(now: number, opts: { object?: string; reason?: string; message?: string } = {}): Event {
  const name = opts.object ?? 'web';
  const stamp = rfc3339(now);
  return {
    metadata: { name: `${name}.${now.toString(16)}`, namespace: 'default' },
    involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: 'default', name, uid: `uid-${name}` },
    reason: opts.reason ?? 'BackOff',
    message: opts.message ?? 'Back-off restarting failed container',
    type: 'Warning',
    source: { component: 'kubelet', host: 'node-1' },
    reportingComponent: 'kubelet',
    reportingInstance: 'node-1',
    firstTimestamp: stamp,
    lastTimestamp: stamp,
    count: 1,
  };
}

function written(c: Correlation): Extract<Correlation, { skip: false }> {
  assert.equal(c.skip, false, 'expected the occurrence to be written');
  return c as Extract<Correlation, { skip: false }>;
}

describe('EventCorrelator', () => {
  it('turns an identical repeat into a patch of the first Event: count, lastTimestamp, same name and first timestamp', () => {
    const clock = createFakeClock(T0);
    const c = new EventCorrelator({ clock });
    const first = written(c.correlate(occurrence(clock.now())));
    assert.equal(first.patch, undefined);
    assert.equal(first.event.count, 1);
    clock.advance(30_000);
    const second = written(c.correlate(occurrence(clock.now())));
    clock.advance(30_000);
    const third = written(c.correlate(occurrence(clock.now())));
    assert.equal(second.event.metadata.name, first.event.metadata.name);
    assert.equal(third.event.metadata.name, first.event.metadata.name);
    assert.deepEqual(third.patch, { count: 3, lastTimestamp: '2026-01-02T03:05:05Z', message: 'Back-off restarting failed container' });
    assert.equal(third.event.firstTimestamp, '2026-01-02T03:04:05Z', 'a re-created Event keeps its first timestamp');
    assert.equal(second.key, first.key);
  });

  it('keeps events that differ in reason or object apart', () => {
    const clock = createFakeClock(T0);
    const c = new EventCorrelator({ clock });
    written(c.correlate(occurrence(clock.now())));
    assert.equal(written(c.correlate(occurrence(clock.now(), { reason: 'Unhealthy' }))).patch, undefined);
    assert.equal(written(c.correlate(occurrence(clock.now(), { object: 'db' }))).patch, undefined);
  });

  it('lets one source write 25 events about an object, then one every 5 minutes; skipped occurrences still count', () => {
    const clock = createFakeClock(T0);
    const c = new EventCorrelator({ clock });
    for (let i = 1; i <= 25; i++) assert.equal(written(c.correlate(occurrence(clock.now()))).event.count, i);
    assert.equal(c.correlate(occurrence(clock.now())).skip, true, '26th within the burst is dropped');
    assert.equal(written(c.correlate(occurrence(clock.now(), { object: 'db' }))).event.count, 1, 'another object has its own bucket');
    clock.advance(299_000);
    assert.equal(c.correlate(occurrence(clock.now())).skip, true, 'no token before 5 minutes');
    clock.advance(1_000);
    const after = written(c.correlate(occurrence(clock.now())));
    assert.equal(after.patch?.count, 28, 'the two dropped occurrences are in the count');
    assert.equal(c.correlate(occurrence(clock.now())).skip, true);
  });

  it('combines similar events after 10 distinct messages within 10 minutes into one counting event', () => {
    const clock = createFakeClock(T0);
    const c = new EventCorrelator({ clock, burst: 1000 });
    const names = new Set<string>();
    for (let i = 1; i <= 9; i++) {
      const r = written(c.correlate(occurrence(clock.now(), { message: `probe failed: ${i}` })));
      assert.equal(r.patch, undefined);
      assert.equal(r.event.message, `probe failed: ${i}`);
      names.add(r.event.metadata.name ?? '');
      clock.advance(60_000);
    }
    const combined = written(c.correlate(occurrence(clock.now(), { message: 'probe failed: 10' })));
    assert.equal(combined.event.message, `${AGGREGATE_PREFIX}probe failed: 10`);
    assert.equal(combined.patch, undefined, 'the combined event is a new Event');
    assert.ok(!names.has(combined.event.metadata.name ?? ''));
    assert.equal(combined.event.reason, 'BackOff');
    assert.equal(combined.event.involvedObject.name, 'web');
    clock.advance(60_000);
    const next = written(c.correlate(occurrence(clock.now(), { message: 'probe failed: 11' })));
    assert.equal(next.event.metadata.name, combined.event.metadata.name);
    assert.deepEqual(next.patch, { count: 2, lastTimestamp: rfc3339(clock.now()), message: `${AGGREGATE_PREFIX}probe failed: 11` });
    // As upstream: a message still among the last distinct ones is an identical repeat of its own Event.
    const repeatOfOld = written(c.correlate(occurrence(clock.now(), { message: 'probe failed: 9' })));
    assert.equal(repeatOfOld.patch?.count, 2);
    assert.equal(repeatOfOld.event.message, 'probe failed: 9');
    const newOne = written(c.correlate(occurrence(clock.now(), { message: 'probe failed: 12' })));
    assert.equal(newOne.patch?.count, 3, 'a new message counts on the combined event');
  });

  it('does not combine similar events more than 10 minutes apart', () => {
    const clock = createFakeClock(T0);
    const c = new EventCorrelator({ clock, burst: 1000 });
    for (let i = 1; i <= 20; i++) {
      const r = written(c.correlate(occurrence(clock.now(), { message: `m${i}` })));
      assert.equal(r.event.message, `m${i}`);
      clock.advance(600_001);
    }
  });
});
