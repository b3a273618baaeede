// A short soak in CI (bench/soak runs it for minutes): 100 ConfigMap writes/s for 20 s with four
// watchers against a real server. No write fails, every acknowledged write reaches every watcher as
// one event without watch errors or reconnects, and the server's memory does not keep growing
// (a generous bound: RSS at the end within 100 MB of RSS at the start).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak } from '../../bench/soak/soak-run.ts';
import { API_ONLY, startServer, type TestServer } from './harness.ts';

const SECONDS = 20;
const RATE = 100;
const WATCHERS = 4;
const MB = 1024 * 1024;

describe('soak', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ args: API_ONLY });
  });
  after(() => server.stop());

  it(`${RATE} writes/s for ${SECONDS} s with ${WATCHERS} watchers: zero errors, every write seen by every watcher, flat memory`, {
    timeout: 120_000,
  }, async (t) => {
    const r = await runSoak({
      url: server.url,
      token: server.token,
      caPem: server.ca,
      pid: server.proc.pid!,
      seconds: SECONDS,
      rate: RATE,
      watchers: WATCHERS,
      drainMs: 30_000,
    });
    const [start, end] = [r.rss[0]!, r.rss[r.rss.length - 1]!];
    t.diagnostic(
      `${r.writes} writes acknowledged, ${r.writeErrors} errors; per watcher delivered ${r.watchers.map((w) => w.delivered).join('/')} of ${r.expectedEvents}; RSS ${(start / MB).toFixed(0)} → ${(end / MB).toFixed(0)} MB`,
    );
    assert.equal(r.writeErrors, 0, r.errorSamples.join('\n'));
    assert.equal(r.writes, RATE * SECONDS);
    for (const [i, w] of r.watchers.entries()) {
      assert.deepEqual(w, { delivered: r.expectedEvents, missing: 0, reconnects: 0, errors: 0 }, `watcher ${i}`);
    }
    assert.ok(end - start < 100 * MB, `server RSS grew from ${(start / MB).toFixed(0)} MB to ${(end / MB).toFixed(0)} MB`);
  });
});
