import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node } from 'kubernetes-types/core/v1.js';
import { desiredTaints, reconcileTaints, unknownConditions } from './node-health.ts';

const T = '2024-01-01T00:00:00Z';
const ready = (status: string): Node => ({
  metadata: { name: 'n', creationTimestamp: T },
  spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] },
  status: { conditions: [{ type: 'Ready', status, reason: 'KubeletReady', lastHeartbeatTime: T, lastTransitionTime: T }] },
});

test('unknownConditions: kubelet conditions become Unknown with upstream reasons, heartbeat kept', () => {
  const out = unknownConditions(ready('True'), '2024-01-01T00:01:00Z')!;
  const r = out.find((c) => c.type === 'Ready')!;
  assert.deepEqual(
    [r.status, r.reason, r.message, r.lastHeartbeatTime, r.lastTransitionTime],
    ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', T, '2024-01-01T00:01:00Z'],
  );
  assert.deepEqual(out.map((c) => [c.type, c.status, c.reason]).slice(1), [
    ['MemoryPressure', 'Unknown', 'NodeStatusNeverUpdated'],
    ['DiskPressure', 'Unknown', 'NodeStatusNeverUpdated'],
    ['PIDPressure', 'Unknown', 'NodeStatusNeverUpdated'],
  ]);
  assert.equal(unknownConditions({ ...ready('True'), status: { conditions: out } }, T), undefined);
});

test('taints follow Ready; other taints are kept; recovery removes them', () => {
  assert.deepEqual(
    desiredTaints(ready('False')).map((t) => `${t.key}:${t.effect}`),
    ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule'],
  );
  const down = reconcileTaints(ready('Unknown'), T)!;
  assert.deepEqual(down, [
    { key: 'dedicated', value: 'x', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: T },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
  ]);
  const tainted: Node = { ...ready('Unknown'), spec: { taints: down } };
  assert.equal(reconcileTaints(tainted, '2030-01-01T00:00:00Z'), undefined, 'timeAdded is kept');
  assert.deepEqual(reconcileTaints({ ...ready('True'), spec: { taints: down, unschedulable: true } }, T), [
    { key: 'dedicated', value: 'x', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
  ]);
});
