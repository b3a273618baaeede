import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { slowStartBatch } from './manage.ts';

describe('slowStartBatch', () => {
  it('runs batches of 1, 2, 4 ... and stops after the first failing batch', async () => {
    let calls = 0;
    const r = await slowStartBatch(20, async () => {
      calls++;
      if (calls === 5) throw new Error('quota');
    });
    // Batches 1 + 2 succeed; the batch of 4 has one failure; 13 are never attempted.
    assert.equal(calls, 7);
    assert.equal(r.ok, 6);
    assert.equal(r.failed, 1);
    assert.equal(r.error?.message, 'quota');
  });

  it('does everything when nothing fails', async () => {
    let calls = 0;
    const r = await slowStartBatch(10, async () => void calls++);
    assert.equal(calls, 10);
    assert.deepEqual(r, { ok: 10, failed: 0 });
  });
});
