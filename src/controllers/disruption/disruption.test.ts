import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { budgetCounts, computeStatus, scaledValue } from './disruption-controller.ts';

const pod = (name: string, ready: boolean, deleting = false): Pod => ({
  metadata: { name, ...(deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const pdb = (spec: PodDisruptionBudget['spec'], disruptedPods?: Record<string, string>): PodDisruptionBudget => ({
  metadata: { name: 'b', generation: 2 },
  spec,
  status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptedPods },
});

test('scaledValue rounds percentages up', () => {
  assert.equal(scaledValue('50%', 3), 2);
  assert.equal(scaledValue(2, 10), 2);
  assert.equal(scaledValue('10%', 5), 1);
});

test('budgetCounts: int minAvailable counts pods, percentages and maxUnavailable use the scale', () => {
  const pods = [pod('a', true), pod('b', true), pod('c', false)];
  assert.deepEqual(
    budgetCounts(pdb({ minAvailable: 2 }), pods, () => 10),
    { expectedPods: 3, desiredHealthy: 2 },
  );
  assert.deepEqual(
    budgetCounts(pdb({ minAvailable: '50%' }), pods, () => 5),
    { expectedPods: 5, desiredHealthy: 3 },
  );
  assert.deepEqual(
    budgetCounts(pdb({ maxUnavailable: 1 }), pods, () => 4),
    { expectedPods: 4, desiredHealthy: 3 },
  );
  assert.deepEqual(
    budgetCounts(pdb({ maxUnavailable: '50%' }), pods, () => 3),
    { expectedPods: 3, desiredHealthy: 1 },
  );
});

test('computeStatus: deleting and recently evicted pods are not healthy; old evictions expire', () => {
  const now = Date.parse('2024-01-01T00:01:00Z');
  const b = pdb({ minAvailable: 2 }, { b: '2024-01-01T00:00:30Z', gone: '2024-01-01T00:00:30Z', old: '2023-12-31T00:00:00Z' });
  const pods = [pod('a', true), pod('b', true), pod('c', true), pod('d', true, true), pod('old', true)];
  const { status, recheck } = computeStatus(b, pods, { expectedPods: 5, desiredHealthy: 2, nowMs: now });
  assert.equal(status.currentHealthy, 3);
  assert.equal(status.disruptionsAllowed, 1);
  assert.deepEqual(status.disruptedPods, { b: '2024-01-01T00:00:30Z' });
  assert.equal(status.observedGeneration, 2);
  assert.deepEqual(
    status.conditions?.map((c) => [c.type, c.status, c.reason]),
    [['DisruptionAllowed', 'True', 'SufficientPods']],
  );
  assert.equal(recheck, 90_000);
  const none = computeStatus(pdb({ minAvailable: 4 }), pods, { expectedPods: 5, desiredHealthy: 4, nowMs: now }).status;
  assert.deepEqual([none.disruptionsAllowed, none.conditions?.[0]?.reason], [0, 'InsufficientPods']);
});
