// The watch cache serves resuming watchers from memory; Events have a ring of their own so their
// churn never pushes other kinds' history out (with the backend compacted, a watch the rings
// cannot serve fails with "compacted": that is how these tests tell memory from storage).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompactedError, openSqliteBackend, type Backend } from '../../storage/index.ts';
import { encode } from '../store/codec.ts';
import type { KObject } from '../registry/types.ts';
import { WatchCache, type CacheEvent } from './watch-cache.ts';

const obj = (kind: string, name: string) => encode({ apiVersion: 'v1', kind, metadata: { name, namespace: 'default' } });

async function collect(cache: WatchCache, prefix: string, from: number, signal: AbortSignal): Promise<string[]> {
  const got: CacheEvent[] = [];
  await cache.subscribe(prefix, from, (e) => got.push(e), signal);
  return got.map((e) => `${e.type} ${e.object.metadata?.name}`);
}

describe('WatchCache with a separate ring for Events', () => {
  let backend: Backend;
  let cache: WatchCache;
  const abort = new AbortController();
  let start = 0;
  let seventh = 0;
  before(async () => {
    backend = await openSqliteBackend({ path: ':memory:', compactIntervalMs: 0 });
    cache = new WatchCache(backend, { capacity: 5, separateRings: new Map([['/registry/events/', 3]]) });
    await cache.start();
    start = backend.currentRevision();
    await backend.create('/registry/pods/default/a', obj('Pod', 'a'));
    await backend.create('/registry/pods/default/b', obj('Pod', 'b'));
    for (let i = 1; i <= 10; i++) {
      const r = await backend.create(`/registry/events/default/e${i}`, obj('Event', `e${i}`));
      if (i === 7 && r.ok) seventh = r.revision;
    }
    await backend.compact(backend.currentRevision());
  });
  after(async () => {
    abort.abort();
    cache.stop();
    await backend.close();
  });

  it('keeps the history of other kinds however many Events are written', async () => {
    assert.deepEqual(await collect(cache, '/registry/pods/', start, abort.signal), ['ADDED a', 'ADDED b']);
  });

  it('keeps the newest Events in their own ring, and says "compacted" for older ones', async () => {
    assert.deepEqual(await collect(cache, '/registry/events/default/', seventh, abort.signal), ['ADDED e8', 'ADDED e9', 'ADDED e10']);
    await assert.rejects(collect(cache, '/registry/events/', start, abort.signal), CompactedError);
  });

  it('delivers live writes of every kind to a watcher of all keys', async () => {
    const got: string[] = [];
    await cache.subscribe('/registry/', backend.currentRevision(), (e) => got.push(e.key), abort.signal);
    await backend.create('/registry/events/default/live', obj('Event', 'live'));
    await backend.create('/registry/pods/default/live', obj('Pod', 'live'));
    assert.deepEqual(got, ['/registry/events/default/live', '/registry/pods/default/live']);
    await assert.rejects(collect(cache, '/registry/', start, abort.signal), CompactedError, 'history across rings comes from storage');
  });
});

describe('WatchCache bounded by bytes', () => {
  it('drops the oldest events once the stored size of its history passes the bound, and storage serves older watchers', async () => {
    const backend = await openSqliteBackend({ path: ':memory:', compactIntervalMs: 0 });
    const abort = new AbortController();
    // Each ConfigMap below stores about 10 KB; the ring holds at most 25 KB of them.
    const cache = new WatchCache(backend, { capacity: 1000, maxBytes: 25_000 });
    try {
      await cache.start();
      const start = backend.currentRevision();
      const big = (name: string) =>
        encode({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { blob: 'x'.repeat(10_000) } });
      const revisions: number[] = [];
      for (const name of ['c1', 'c2', 'c3', 'c4']) {
        const r = await backend.create(`/registry/configmaps/default/${name}`, big(name));
        if (r.ok) revisions.push(r.revision);
      }
      // Before compaction, a watcher from the start is replayed by storage: all four.
      assert.deepEqual(await collect(cache, '/registry/configmaps/', start, abort.signal), ['ADDED c1', 'ADDED c2', 'ADDED c3', 'ADDED c4']);
      await backend.compact(backend.currentRevision());
      assert.deepEqual(await collect(cache, '/registry/configmaps/', revisions[1]!, abort.signal), ['ADDED c3', 'ADDED c4'], 'the newest two fit in 25 KB');
      await assert.rejects(collect(cache, '/registry/configmaps/', revisions[0]!, abort.signal), CompactedError, 'c2 was dropped from the ring');
    } finally {
      abort.abort();
      cache.stop();
      await backend.close();
    }
  });
});

describe('WatchCache previous states', () => {
  it('gives an update the state the previous event carried, and keeps older states encoded for resuming watchers', async () => {
    const backend = await openSqliteBackend({ path: ':memory:', compactIntervalMs: 0 });
    const abort = new AbortController();
    const cache = new WatchCache(backend, { capacity: 100 });
    try {
      await cache.start();
      const phase = (o: KObject): unknown => (o.status as { phase?: string } | undefined)?.phase;
      const describeEvent = (e: CacheEvent): string => `${e.type} ${phase(e.object)} prev=${e.prev && phase(e.prev)}`;
      const got: string[] = [];
      const objects: KObject[] = [];
      const sharedPrev: boolean[] = [];
      const start = backend.currentRevision();
      // As a selector-filtered watcher does, read each event's states as it is delivered.
      await cache.subscribe(
        '/registry/pods/',
        start,
        (e) => {
          got.push(describeEvent(e));
          if (objects.length > 0) sharedPrev.push(e.prev === objects.at(-1));
          objects.push(e.object);
        },
        abort.signal,
      );
      const pod = (phase: string) =>
        encode({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'default' }, spec: { containers: [{ name: 'c' }] }, status: { phase } });
      const created = await backend.create('/registry/pods/default/a', pod('Pending'));
      assert.ok(created.ok);
      const updated = await backend.update('/registry/pods/default/a', pod('Running'), created.revision);
      assert.ok(updated.ok);
      await backend.delete('/registry/pods/default/a', updated.revision);
      const want = ['ADDED Pending prev=undefined', 'MODIFIED Running prev=Pending', 'DELETED Running prev=Running'];
      assert.deepEqual(got, want);
      // Each previous state is the very object the event before carried: no second decoded copy.
      assert.deepEqual(sharedPrev, [true, true]);
      // What the update left unchanged is the previous state's own object.
      assert.equal(objects[1]!.spec, objects[0]!.spec);
      assert.notEqual(objects[1]!.status, objects[0]!.status);
      // Two states later the first is history: kept encoded only, decoded again for a watcher
      // resuming from before it, which still gets every state and previous state right.
      const replay: CacheEvent[] = [];
      await cache.subscribe('/registry/pods/', start, (e) => replay.push(e), abort.signal);
      assert.deepEqual(replay.map(describeEvent), want);
      assert.deepEqual(replay[0]!.object, objects[0]);
      assert.notEqual(replay[0]!.object, objects[0]);
      assert.equal(replay[0]!.objectJson(), JSON.stringify(objects[0]));
      assert.equal(replay[1]!.object, objects[1], 'the state before the last is still shared');
    } finally {
      abort.abort();
      cache.stop();
      await backend.close();
    }
  });
});
