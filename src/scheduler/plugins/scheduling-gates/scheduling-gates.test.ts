import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newPodInfo } from '../../framework/pod-info.ts';
import { makePod } from '../../testing/fixtures.ts';
import { schedulingGates } from './scheduling-gates.ts';

test('gated pods are kept out; ungated pass', () => {
  const gated = schedulingGates.preEnqueue(newPodInfo(makePod('g', { spec: { schedulingGates: [{ name: 'a' }, { name: 'b' }] } })));
  assert.equal(gated.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(gated.reasons, ['waiting for scheduling gates: [a b]']);
  assert.equal(schedulingGates.preEnqueue(newPodInfo(makePod('p'))).code, 'Success');
});
