import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from '../../testing/plugin-harness.ts';
import { makeNode, makePod } from '../../testing/fixtures.ts';

test('cordoned nodes reject pods unless they tolerate node.kubernetes.io/unschedulable', () => {
  const h = harness(['NodeUnschedulable'], [makeNode('c', { unschedulable: true }), makeNode('ok')]);
  assert.deepEqual(h.filter(makePod('p')), { c: 'UnschedulableAndUnresolvable: node(s) were unschedulable', ok: '' });
  const tol = makePod('t', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } });
  assert.deepEqual(h.filter(tol), { c: '', ok: '' });
});
