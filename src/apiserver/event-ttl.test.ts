import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { openSqliteBackend, type Backend } from '../storage/index.ts';
import { openEtcdBackend } from '../storage/etcd/etcd-backend.ts';
import { type EtcdCluster, startEtcd } from '../storage/etcd/etcd-process.ts';
import { createFakeClock } from '../util/index.ts';
import { startEventTtl } from './event-ttl.ts';
import { WatchCache } from './watch/watch-cache.ts';

const T0 = Date.UTC(2026, 0, 2, 3, 0, 0);
const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function event(name: string, lastMs: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default', creationTimestamp: iso(lastMs - 60_000) },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
    reason: 'BackOff',
    lastTimestamp: iso(lastMs),
  });
}

/** Waits until the watch cache has delivered everything written so far. */
async function caughtUp(backend: Backend, cache: WatchCache): Promise<void> {
  for (let i = 0; i < 500 && cache.latestRevision() < backend.currentRevision(); i++) await new Promise((r) => setTimeout(r, 5));
}

function ttlSuite(name: string, open: () => Promise<Backend>, skip: string | false = false): void {
  describe(`event TTL on ${name}`, { skip }, () => {
    it('deletes Events a TTL after their last write, batch by batch, and nothing else', async () => {
      const backend = await open();
      const cache = new WatchCache(backend);
      const abort = new AbortController();
      try {
        // Stored before the server started: ages come from the Events' own timestamps.
        for (let i = 0; i < 7; i++) assert.ok((await backend.create(`/registry/events/default/old-${i}`, event(`old-${i}`, T0 - 2 * HOUR))).ok);
        assert.ok((await backend.create('/registry/events/default/recent', event('recent', T0 - HOUR / 2))).ok);
        assert.ok((await backend.create('/registry/pods/default/web', '{"metadata":{"name":"web"}}')).ok);
        assert.ok((await backend.create('/registry/eventsx/default/not-an-event', event('x', T0 - 2 * HOUR))).ok);
        await cache.start();
        const clock = createFakeClock(T0);
        const ttl = await startEventTtl({ backend, watchCache: cache, ttlMs: HOUR, clock, batchSize: 3, pageSize: 3, signal: abort.signal });
        assert.equal(ttl.tracked(), 8);

        assert.equal(await ttl.sweep(), 7, 'the Events last written 2 h ago are gone');
        await caughtUp(backend, cache);
        assert.ok(await backend.get('/registry/events/default/recent'));
        assert.ok(await backend.get('/registry/pods/default/web'), 'other resources are untouched');
        assert.ok(await backend.get('/registry/eventsx/default/not-an-event'));
        assert.equal(ttl.tracked(), 1);

        // Written now (e.g. a repeat patched count and lastTimestamp): it lives another full TTL.
        const current = await backend.get('/registry/events/default/recent');
        assert.ok((await backend.update('/registry/events/default/recent', event('recent', T0), current!.modRevision)).ok);
        assert.ok((await backend.create('/registry/events/default/fresh', event('fresh', T0))).ok);
        await caughtUp(backend, cache);
        clock.advance(HOUR - 1000);
        assert.equal(await ttl.sweep(), 0);
        clock.advance(1000);
        assert.equal(await ttl.sweep(), 2);
        assert.equal((await backend.list('/registry/events/')).items.length, 0);
      } finally {
        abort.abort();
        cache.stop();
        await backend.close();
      }
    });

    it('sweeps on its own every interval', async () => {
      const backend = await open();
      const cache = new WatchCache(backend);
      const abort = new AbortController();
      try {
        await cache.start();
        const clock = createFakeClock(T0);
        await startEventTtl({ backend, watchCache: cache, ttlMs: 2500, clock, signal: abort.signal });
        assert.ok((await backend.create('/registry/events/default/a', event('a', T0))).ok);
        await caughtUp(backend, cache);
        // Each sweep schedules the next once it has finished: step the clock one interval at a time.
        const seen: boolean[] = [];
        for (let i = 0; i < 4; i++) {
          clock.advance(1000);
          for (let j = 0; j < 20; j++) await new Promise((r) => setTimeout(r, 5));
          seen.push((await backend.get('/registry/events/default/a')) !== undefined);
        }
        assert.deepEqual(seen, [true, true, false, false], 'a TTL of 2.5 s, sweeps every second: there at 1 s and 2 s, gone at 3 s');
      } finally {
        abort.abort();
        cache.stop();
        await backend.close();
      }
    });
  });
}

ttlSuite('sqlite', () => openSqliteBackend({ path: ':memory:', compactIntervalMs: 0 }));

const etcdSkip = ((): string | false => {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'etcd is not installed (Debian etcd-server; scripts/install-deps.sh installs it)';
  }
})();
let cluster: EtcdCluster | undefined;
let opened = 0;
if (!etcdSkip) {
  before(async () => {
    cluster = await startEtcd();
  });
  after(async () => {
    await cluster?.close();
  });
}
ttlSuite('etcd', () => openEtcdBackend({ endpoints: cluster!.endpoints, prefix: `/ttl-${opened++}` }), etcdSkip);
