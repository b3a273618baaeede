import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeClock } from '../../util/index.ts';
import { newPodInfo } from '../framework/pod-info.ts';
import { makeNode, makePod } from '../testing/fixtures.ts';
import { SchedulerCache } from './scheduler-cache.ts';

test('assume → finishBinding → informer add confirms; forget undoes; unconfirmed pods expire', () => {
  const clock = createFakeClock(1_700_000_000_000);
  const c = new SchedulerCache({ clock, assumedPodTtlMs: 30_000 });
  c.addNode(makeNode('n'));
  const a = newPodInfo(makePod('a', { cpu: '1' }));
  const b = newPodInfo(makePod('b', { cpu: '1' }));
  c.assumePod(a, 'n');
  c.assumePod(b, 'n');
  assert.equal(c.get('n')?.requested.milliCpu, 2000);
  c.forgetPod(b.key);
  assert.equal(c.get('n')?.requested.milliCpu, 1000);
  c.finishBinding(a.key);
  clock.advance(30_000);
  assert.equal(c.cleanupExpiredAssumedPods(), 1);
  assert.equal(c.get('n')?.pods.length, 0);
  const d = newPodInfo(makePod('d', { cpu: '1' }));
  c.assumePod(d, 'n');
  c.finishBinding(d.key);
  c.addPod({ ...d.pod, spec: { ...d.pod.spec!, nodeName: 'n' } });
  assert.equal(c.isAssumed(d.key), false);
  clock.advance(60_000);
  assert.equal(c.cleanupExpiredAssumedPods(), 0);
  assert.equal(c.get('n')?.pods.length, 1);
});

test('pods before their node make a ghost that is not listed', () => {
  const c = new SchedulerCache();
  c.addPod(makePod('p', { nodeName: 'later' }));
  assert.equal(c.list().length, 0);
  c.addNode(makeNode('later'));
  assert.equal(c.list()[0]?.pods.length, 1);
});
