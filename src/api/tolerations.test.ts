import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Taint } from 'kubernetes-types/core/v1.js';
import { firstUntolerated, toleratesTaint } from './index.ts';

const taint: Taint = { key: 'k', value: 'v', effect: 'NoExecute' };

test('toleratesTaint: an unset operator means Equal, an unknown one tolerates nothing', () => {
  assert.ok(toleratesTaint({ key: 'k', value: 'v' }, taint));
  assert.ok(!toleratesTaint({ key: 'k', value: 'w' }, taint));
  assert.ok(!toleratesTaint({ key: 'k', operator: 'Lt', value: 'v' }, taint));
});

test('firstUntolerated: only the named effects count', () => {
  const noSchedule: Taint = { key: 'a', effect: 'NoSchedule' };
  assert.equal(firstUntolerated([noSchedule, taint], [{ key: 'k', operator: 'Exists' }], ['NoExecute']), undefined);
  assert.equal(firstUntolerated([noSchedule, taint], [], ['NoSchedule', 'NoExecute']), noSchedule);
});
