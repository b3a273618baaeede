// The admission caches answer with what storage holds the moment a write is acknowledged, and say
// "don't know" (undefined) rather than answer stale.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openSqliteBackend, type Backend } from '../../storage/index.ts';
import { encode } from '../store/codec.ts';
import { CollectionCache } from './collection-cache.ts';
import { WatchCache } from './watch-cache.ts';

const quota = (ns: string, name: string, pods: string) =>
  encode({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: ns }, spec: { hard: { pods } } });
const names = (items: { metadata?: { name?: string } }[] | undefined) => items?.map((o) => o.metadata?.name);

describe('CollectionCache', () => {
  const abort = new AbortController();
  let backend: Backend;
  let watchCache: WatchCache;
  after(async () => {
    abort.abort();
    watchCache.stop();
    await backend.close();
  });

  it('follows creates, updates and deletes by the time each write resolves', async () => {
    backend = await openSqliteBackend({ path: ':memory:' });
    await backend.create('/registry/resourcequotas/a/before', quota('a', 'before', '1'));
    watchCache = new WatchCache(backend);
    await watchCache.start();
    const cache = await CollectionCache.open('/registry/resourcequotas/', { backend, watchCache, signal: abort.signal });
    assert.deepEqual(names(cache.items('/registry/resourcequotas/a/')), ['before']);

    const made = await backend.create('/registry/resourcequotas/a/q2', quota('a', 'q2', '2'));
    await backend.create('/registry/resourcequotas/b/other', quota('b', 'other', '3'));
    await backend.create('/registry/limitranges/a/lr', '{}');
    assert.deepEqual(names(cache.items('/registry/resourcequotas/a/')), ['before', 'q2']);
    assert.deepEqual(names(cache.items('/registry/resourcequotas/b/')), ['other']);
    assert.equal(cache.get('/registry/resourcequotas/a/q2')?.object?.metadata?.name, 'q2');
    assert.deepEqual(cache.get('/registry/resourcequotas/a/q'), { object: undefined }, 'a key is matched whole, not as a prefix');

    assert.ok(made.ok);
    await backend.update('/registry/resourcequotas/a/q2', quota('a', 'q2', '9'), made.revision);
    const q2 = cache.items('/registry/resourcequotas/a/')?.find((o) => o.metadata?.name === 'q2');
    assert.deepEqual(q2?.spec, { hard: { pods: '9' } });

    const before = await backend.get('/registry/resourcequotas/a/before');
    await backend.delete('/registry/resourcequotas/a/before', before!.modRevision);
    assert.deepEqual(names(cache.items('/registry/resourcequotas/a/')), ['q2']);
    assert.deepEqual(cache.get('/registry/resourcequotas/a/before'), { object: undefined });
  });

  it('answers undefined while the watch cache is behind storage', async () => {
    const cache = await CollectionCache.open('/registry/limitranges/', { backend, watchCache, signal: abort.signal });
    assert.ok(cache.items('/registry/limitranges/a/'));
    const lagging = { ...backend, list: backend.list.bind(backend), currentRevision: () => watchCache.latestRevision() + 1 } as Backend;
    const stale = await CollectionCache.open('/registry/limitranges/', { backend: lagging, watchCache, signal: abort.signal });
    assert.equal(stale.items('/registry/limitranges/a/'), undefined);
    assert.equal(stale.get('/registry/limitranges/a/lr'), undefined);
  });
});
