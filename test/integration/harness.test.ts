// The test harness itself: a server that never says where it listens must not hang the run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ServerStartTimeout, startServer } from './harness.ts';

describe('test harness', () => {
  it('kills a server that printed no URL in time and fails with a clear error', async () => {
    // No server starts within 1 ms, so this one is still starting when the harness gives up.
    const error = await startServer({ startTimeoutMs: 1 }).then(
      () => assert.fail('the server was expected not to start in 1 ms'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ServerStartTimeout, String(error));
    assert.match(error.message, /^peapod server \(pid \d+\) printed no URL within 0\.001 s and was killed/);
    assert.ok(error.pid);
    assert.throws(() => process.kill(error.pid!, 0), { code: 'ESRCH' }, 'the server process is gone');
  });
});
