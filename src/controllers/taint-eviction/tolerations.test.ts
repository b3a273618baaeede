import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { toleratesTaint as tolerates } from '../../api/index.ts';
import { evictionDecision } from './tolerations.ts';

const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' };
const t0 = Date.parse('2024-01-01T00:00:00Z');
const defaulted: Toleration = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };

test('tolerates: key, operator, value and effect as v1 ToleratesTaint', () => {
  assert.ok(tolerates({ operator: 'Exists' }, unreachable));
  assert.ok(tolerates({ key: unreachable.key, operator: 'Exists' }, unreachable));
  assert.ok(!tolerates({ key: unreachable.key, operator: 'Exists', effect: 'NoSchedule' }, unreachable));
  assert.ok(!tolerates({ key: 'other', operator: 'Exists' }, unreachable));
  assert.ok(tolerates({ key: 'k', value: 'v' }, { key: 'k', value: 'v', effect: 'NoExecute' }));
  assert.ok(!tolerates({ key: 'k', operator: 'Equal', value: 'w' }, { key: 'k', value: 'v', effect: 'NoExecute' }));
});

test('evictionDecision: untolerated goes now, tolerationSeconds from timeAdded, forever stays', () => {
  const opts = (nowMs: number) => ({ nowMs, firstSeenMs: nowMs });
  assert.deepEqual(evictionDecision([], [{ key: 'x', effect: 'NoSchedule' }], opts(t0)), { action: 'none' });
  assert.equal(evictionDecision([], [unreachable], opts(t0)).action, 'delete');
  assert.deepEqual(evictionDecision([defaulted], [unreachable], opts(t0 + 100_000)), { action: 'wait', ms: 200_000 });
  assert.equal(evictionDecision([defaulted], [unreachable], opts(t0 + 300_000)).action, 'delete');
  assert.deepEqual(evictionDecision([{ key: unreachable.key, operator: 'Exists' }], [unreachable], opts(t0 + 1e9)), { action: 'none' });
  // The shortest bounded toleration wins; without timeAdded the clock starts when first seen.
  const both = [defaulted, { operator: 'Exists' as const, tolerationSeconds: 10 }];
  const noTime: Taint = { key: unreachable.key, effect: 'NoExecute' };
  assert.deepEqual(evictionDecision(both, [noTime], { nowMs: 5_000, firstSeenMs: 1_000 }), { action: 'wait', ms: 6_000 });
});
