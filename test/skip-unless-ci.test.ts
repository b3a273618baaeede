import assert from 'node:assert/strict';
import { test } from 'node:test';
import { skipUnlessCI, strictSkips } from './skip-unless-ci.ts';

test('a skip reason skips locally and fails under CI=true', () => {
  assert.equal(skipUnlessCI('needs root', {}), 'needs root');
  assert.equal(skipUnlessCI(false, { CI: 'true' }), false);
  assert.throws(() => skipUnlessCI('needs root', { CI: 'true' }), /CI=true: this test cannot be skipped: needs root/);
  assert.throws(() => skipUnlessCI('kubectl missing', { CI: '1' }), /kubectl missing/);
  assert.equal(strictSkips({ CI: 'false' }), false);
});
