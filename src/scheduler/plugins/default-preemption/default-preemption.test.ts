import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState } from '../../framework/interfaces.ts';
import { newPodInfo } from '../../framework/pod-info.ts';
import { schedulePod } from '../../framework/run.ts';
import { harness } from '../../testing/plugin-harness.ts';
import { makeNode, makePod } from '../../testing/fixtures.ts';

function run(nodes: ReturnType<typeof makeNode>[], pods: ReturnType<typeof makePod>[], pod: ReturnType<typeof makePod>) {
  const h = harness(['NodeResourcesFit', 'DefaultPreemption'], nodes, pods);
  const state = new CycleState();
  const pi = newPodInfo(pod);
  const r = schedulePod(h.fwk, state, pi, { nextStartNodeIndex: 0, random: () => 0 });
  assert.equal(r.kind, 'unschedulable');
  if (r.kind !== 'unschedulable') throw new Error('unreachable');
  return h.fwk.runPostFilter(state, pi, r.fitError.diagnosis.nodeToStatus);
}

test('evicts the minimal set of lowest-priority pods', () => {
  const pods = [
    makePod('p1', { nodeName: 'n', cpu: '1', priority: 1 }),
    makePod('p5', { nodeName: 'n', cpu: '1', priority: 5 }),
    makePod('p9', { nodeName: 'n', cpu: '1', priority: 9 }),
    makePod('p100', { nodeName: 'n', cpu: '1', priority: 100 }),
  ];
  const out = run([makeNode('n', { cpu: '4' })], pods, makePod('hi', { cpu: '2', priority: 50 }));
  assert.equal(out.status.code, 'Success');
  assert.equal(out.result?.nominatedNodeName, 'n');
  assert.deepEqual(out.result?.victims.map((v) => v.name).sort(), ['p1', 'p5']);
});

test('picks the node whose highest victim has the lowest priority', () => {
  const nodes = [makeNode('n1', { cpu: '1' }), makeNode('n2', { cpu: '1' })];
  const pods = [makePod('a', { nodeName: 'n1', cpu: '1', priority: 10 }), makePod('b', { nodeName: 'n2', cpu: '1', priority: 3 })];
  assert.equal(run(nodes, pods, makePod('hi', { cpu: '1', priority: 50 })).result?.nominatedNodeName, 'n2');
});

test('upstream messages: no victims / not helpful / preemptionPolicy Never', () => {
  const pods = [makePod('same', { nodeName: 'n', cpu: '1', priority: 50 })];
  const noVictims = run([makeNode('n', { cpu: '1' })], pods, makePod('x', { cpu: '1', priority: 50 }));
  assert.deepEqual(noVictims.status.reasons, ['preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.']);
  const tooBig = run([makeNode('n', { cpu: '1' })], [], makePod('y', { cpu: '2', priority: 50 }));
  assert.deepEqual(tooBig.status.reasons, ['preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.']);
  const never = run([makeNode('n', { cpu: '1' })], pods, makePod('z', { cpu: '1', priority: 99, spec: { preemptionPolicy: 'Never' } }));
  assert.deepEqual(never.status.reasons, ['preemption: not eligible due to preemptionPolicy=Never.']);
});
