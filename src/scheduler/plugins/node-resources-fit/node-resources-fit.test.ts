import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newPodInfo } from '../../framework/pod-info.ts';
import { harness } from '../../testing/plugin-harness.ts';
import { makeNode, makePod } from '../../testing/fixtures.ts';

test('insufficient cpu / memory / pods with upstream wording; over allocatable is unresolvable', () => {
  const node = makeNode('n', { cpu: '2', memory: '1Gi', pods: 2 });
  const h = harness(['NodeResourcesFit'], [node], [makePod('e1', { nodeName: 'n', cpu: '1500m', memory: '512Mi' })]);
  assert.deepEqual(h.filter(makePod('a', { cpu: '1' })), { n: 'Unschedulable: Insufficient cpu' });
  assert.deepEqual(h.filter(makePod('b', { cpu: '3', memory: '600Mi' })), { n: 'UnschedulableAndUnresolvable: Insufficient cpu, Insufficient memory' });
  assert.deepEqual(h.filter(makePod('c', { cpu: '100m' })), { n: '' });
  h.cache.addPod(makePod('e2', { nodeName: 'n' }));
  assert.deepEqual(h.filter(makePod('d')), { n: 'Unschedulable: Too many pods' });
});

test('ephemeral-storage and extended resources', () => {
  const node = makeNode('n');
  node.status!.allocatable!['example.com/gpu'] = '1';
  const h = harness(['NodeResourcesFit'], [node]);
  const gpu2 = makePod('g', { containers: [{ name: 'c', resources: { requests: { 'example.com/gpu': '2' } } }] });
  assert.deepEqual(h.filter(gpu2), { n: 'UnschedulableAndUnresolvable: Insufficient example.com/gpu' });
  const disk = makePod('d', { containers: [{ name: 'c', resources: { requests: { 'ephemeral-storage': '200Gi' } } }] });
  assert.deepEqual(h.filter(disk), { n: 'UnschedulableAndUnresolvable: Insufficient ephemeral-storage' });
});

test('requests: max(sum of containers, init containers) with sidecars and overhead', () => {
  const pod = makePod('p', {
    containers: [
      { name: 'a', resources: { requests: { cpu: '1' } } },
      { name: 'b', resources: { requests: { cpu: '500m' } } },
    ],
    spec: {
      initContainers: [
        { name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '200m' } } },
        { name: 'init', resources: { requests: { cpu: '2' } } },
      ],
      overhead: { cpu: '100m' },
    },
  });
  // containers 1.5 + sidecar 0.2 = 1.7; init phase 2 + sidecar 0.2 = 2.2 → max 2.2 + overhead 0.1
  assert.equal(newPodInfo(pod).requests.milliCpu, 2300);
  assert.equal(newPodInfo(makePod('z')).nonZeroRequests.milliCpu, 100);
  assert.equal(newPodInfo(makePod('z')).nonZeroRequests.memory, 200 * 1024 * 1024);
});

test('LeastAllocated prefers the emptier node', () => {
  const h = harness(['NodeResourcesFit'], [makeNode('busy'), makeNode('idle')], [makePod('x', { nodeName: 'busy', cpu: '3', memory: '6Gi' })]);
  const s = h.score(makePod('p', { cpu: '1', memory: '1Gi' }));
  // busy: cpu (4-4)/4 → 0, mem (8-7)/8 → 12 → 6; idle: cpu 75, mem 87 → 81
  assert.deepEqual(s, { busy: 6, idle: 81 });
});
