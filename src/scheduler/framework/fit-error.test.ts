import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitErrorMessage, newDiagnosis } from './fit-error.ts';
import { unresolvable, unschedulable } from './status.ts';

test('aggregates reasons with counts, sorted, plus the preemption message', () => {
  const d = newDiagnosis();
  d.nodeToStatus.set('cp', unresolvable('node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'));
  d.nodeToStatus.set('w1', unschedulable('Insufficient cpu'));
  d.nodeToStatus.set('w2', unschedulable('Insufficient cpu'));
  const pre = newDiagnosis();
  pre.absentStatus = unresolvable('Preemption is not helpful for scheduling');
  d.postFilterMsg = `preemption: ${fitErrorMessage({ numAllNodes: 3, diagnosis: pre })}`;
  assert.equal(
    fitErrorMessage({ numAllNodes: 3, diagnosis: d }),
    '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
  );
});

test('a node with several reasons counts each; PreFilter message replaces the per-node list', () => {
  const d = newDiagnosis();
  d.nodeToStatus.set('a', unschedulable('Insufficient cpu', 'Insufficient memory'));
  assert.equal(fitErrorMessage({ numAllNodes: 1, diagnosis: d }), '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.');
  d.preFilterMsg = 'pod affinity terms conflict';
  assert.equal(fitErrorMessage({ numAllNodes: 1, diagnosis: d }), '0/1 nodes are available: pod affinity terms conflict.');
});
