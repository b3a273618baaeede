import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntil } from './cluster.ts';

test('waitUntil resolves once the condition holds and throws, naming it, when it never does', async () => {
  let calls = 0;
  await waitUntil('the third poll', async () => ++calls >= 3, 5_000);
  assert.equal(calls, 3);
  await assert.rejects(
    waitUntil('a process that never exits', async () => false, 120),
    /timed out after 120 ms waiting for a process that never exits/,
  );
});
