import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pods } from '../pods.ts';
import type { KObject } from '../types.ts';

const pod = (spec: Record<string, unknown>, phase = 'Running'): KObject =>
  ({ metadata: { name: 'p', namespace: 'd' }, spec: { containers: [], ...spec }, status: { phase } }) as unknown as KObject;

test('grace period: options, then spec, then 30 by default', () => {
  const grace = pods.gracePeriod!;
  assert.equal(grace(pod({ nodeName: 'n', terminationGracePeriodSeconds: 30 }), {}), 30);
  assert.equal(grace(pod({ nodeName: 'n', terminationGracePeriodSeconds: 30 }), { gracePeriodSeconds: 5 }), 5);
  assert.equal(grace(pod({ nodeName: 'n', terminationGracePeriodSeconds: 30 }), { gracePeriodSeconds: 0 }), undefined);
  assert.equal(grace(pod({ nodeName: 'n', terminationGracePeriodSeconds: -1 }), {}), 1);
});

test('immediate for unscheduled or finished pods', () => {
  const grace = pods.gracePeriod!;
  assert.equal(grace(pod({ terminationGracePeriodSeconds: 30 }), {}), undefined);
  assert.equal(grace(pod({ nodeName: 'n', terminationGracePeriodSeconds: 30 }, 'Succeeded'), {}), undefined);
  assert.equal(grace(pod({ nodeName: 'n', terminationGracePeriodSeconds: 30 }, 'Failed'), { gracePeriodSeconds: 10 }), undefined);
});
