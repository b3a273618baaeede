// The generic store on its own, over a real SQLite backend in memory: what a client of any resource
// sees from create, update, delete and list (server-owned fields, optimistic concurrency, no-op
// updates, graceful deletion and finalizers, paging at one revision, dry runs, admission).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openSqliteBackend, type Backend } from '../../storage/index.ts';
import { ApiError } from '../errors.ts';
import type { KObject, ResourceEntry } from '../registry/types.ts';
import type { AdmissionPlugin } from './admission-types.ts';
import { GenericStore } from './generic-store.ts';
import { ObjectCache } from '../watch/object-cache.ts';
import { WatchCache, type CacheEvent } from '../watch/watch-cache.ts';

const widgets: ResourceEntry = {
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  listKind: 'WidgetList',
  resource: 'widgets',
  singular: 'widget',
  namespaced: true,
  schema: 'com.example.v1.Widget',
  columns: [],
  row: () => [],
  hasStatus: true,
  hasGeneration: true,
  gracePeriod: (_obj, options) => options.gracePeriodSeconds,
};

const backends: Backend[] = [];
after(async () => {
  for (const b of backends) await b.close();
});

async function storeFor(
  entry: ResourceEntry = widgets,
  admission: AdmissionPlugin[] = [],
  objects?: ObjectCache,
): Promise<{ store: GenericStore; clock: { t: number }; backend: Backend }> {
  const backend = await openSqliteBackend({ path: ':memory:' });
  backends.push(backend);
  const clock = { t: Date.parse('2026-01-02T03:04:05Z') };
  return { store: new GenericStore(entry, { backend, clock: { now: () => new Date(clock.t) }, admission, objects }), clock, backend };
}

const widget = (name: string, extra: Partial<KObject> = {}): KObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name },
  spec: { size: 1 },
  ...extra,
});

async function rejects(p: Promise<unknown>, code: number, reason: string): Promise<ApiError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(e instanceof ApiError, `expected an ApiError, got ${String(e)}`);
  assert.equal(e.status.code, code);
  assert.equal(e.status.reason, reason);
  return e;
}

describe('GenericStore', () => {
  it('create sets the server-owned fields and ignores the client’s', async () => {
    const { store } = await storeFor();
    const made = await store.create('ns', widget('a', { metadata: { name: 'a', uid: 'mine', resourceVersion: '99', generation: 7 } }));
    assert.match(made.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(made.metadata?.uid, 'mine');
    assert.equal(made.metadata?.namespace, 'ns');
    assert.equal(made.metadata?.creationTimestamp, '2026-01-02T03:04:05Z');
    assert.equal(made.metadata?.generation, 1);
    assert.equal(made.metadata?.resourceVersion, (await store.get('ns', 'a')).metadata?.resourceVersion);
    const named = await store.create('ns', { ...widget(''), metadata: { generateName: 'w-' } });
    assert.match(named.metadata?.name ?? '', /^w-[a-z0-9]{5}$/);
    await rejects(store.create('ns', widget('a')), 409, 'AlreadyExists');
  });

  it('a dry run and a refused admission store nothing', async () => {
    const refuse: AdmissionPlugin = ({ obj }) => {
      if (obj.metadata?.labels?.refuse) throw new ApiError(403, 'Forbidden', 'refused');
    };
    const { store } = await storeFor(widgets, [refuse]);
    await store.create('ns', widget('dry'), { dryRun: true });
    await rejects(store.get('ns', 'dry'), 404, 'NotFound');
    await rejects(store.create('ns', { ...widget('r'), metadata: { name: 'r', labels: { refuse: 'y' } } }), 403, 'Forbidden');
    assert.equal((await store.list('ns')).items.length, 0);
  });

  it('an update that changes nothing keeps the resourceVersion; a stale one is a conflict', async () => {
    const { store } = await storeFor();
    const made = await store.create('ns', widget('a'));
    const same = await store.update('ns', 'a', made);
    assert.equal(same.metadata?.resourceVersion, made.metadata?.resourceVersion);
    const changed = await store.update('ns', 'a', { ...made, spec: { size: 2 } });
    assert.notEqual(changed.metadata?.resourceVersion, made.metadata?.resourceVersion);
    assert.equal(changed.metadata?.generation, 2, 'a spec change bumps generation');
    await rejects(store.update('ns', 'a', { ...made, spec: { size: 3 } }), 409, 'Conflict');
    const labelled = await store.update('ns', 'a', { ...changed, metadata: { ...changed.metadata, labels: { x: 'y' } } });
    assert.equal(labelled.metadata?.generation, 2, 'a metadata change does not');
  });

  it('an unchanged update of a kind without generation or status writes nothing either', async () => {
    const { store } = await storeFor({ ...widgets, hasGeneration: false, hasStatus: false });
    const made = await store.create('ns', widget('a'));
    // The body a client sends back: as read, or without its resourceVersion (kubectl replace).
    const same = await store.update('ns', 'a', made);
    const { resourceVersion: _rv, ...meta } = made.metadata ?? {};
    const again = await store.update('ns', 'a', { ...made, metadata: meta });
    assert.equal(same.metadata?.resourceVersion, made.metadata?.resourceVersion);
    assert.equal(again.metadata?.resourceVersion, made.metadata?.resourceVersion);
    assert.equal(made.metadata?.generation, undefined);
  });

  it('the main resource keeps status; the status subresource changes only status', async () => {
    const { store } = await storeFor();
    const made = await store.create('ns', widget('a', { status: { ready: false } }));
    const main = await store.update('ns', 'a', { ...made, spec: { size: 5 }, status: { ready: true } });
    assert.deepEqual(main.status, made.status);
    const status = await store.update('ns', 'a', { ...main, spec: { size: 9 }, status: { ready: true } }, { subresource: 'status' });
    assert.deepEqual(status.status, { ready: true });
    assert.deepEqual(status.spec, { size: 5 });
  });

  it('a finalizer keeps a deleted object until it is removed', async () => {
    const { store } = await storeFor();
    await store.create('ns', widget('a', { metadata: { name: 'a', finalizers: ['example.com/hold'] } }));
    const res = await store.delete('ns', 'a');
    assert.equal(res.deleted, false);
    assert.equal(res.object.metadata?.deletionTimestamp, '2026-01-02T03:04:05Z');
    assert.equal(res.object.metadata?.deletionGracePeriodSeconds, 0);
    const live = await store.get('ns', 'a');
    await store.update('ns', 'a', { ...live, metadata: { ...live.metadata, finalizers: [] } });
    await rejects(store.get('ns', 'a'), 404, 'NotFound');
  });

  it('foreground deletion adds the foregroundDeletion finalizer', async () => {
    const { store } = await storeFor();
    await store.create('ns', widget('a'));
    const res = await store.delete('ns', 'a', { propagationPolicy: 'Foreground' });
    assert.equal(res.deleted, false);
    assert.deepEqual(res.object.metadata?.finalizers, ['foregroundDeletion']);
  });

  it('a grace period sets a deadline that a later delete may shorten but not extend', async () => {
    const { store, clock } = await storeFor();
    await store.create('ns', widget('a'));
    const first = await store.delete('ns', 'a', { gracePeriodSeconds: 30 });
    assert.equal(first.object.metadata?.deletionTimestamp, '2026-01-02T03:04:35Z');
    clock.t += 1000;
    const longer = await store.delete('ns', 'a', { gracePeriodSeconds: 60 });
    assert.equal(longer.object.metadata?.deletionTimestamp, '2026-01-02T03:04:35Z');
    assert.equal(longer.object.metadata?.resourceVersion, first.object.metadata?.resourceVersion);
    const shorter = await store.delete('ns', 'a', { gracePeriodSeconds: 5 });
    assert.equal(shorter.object.metadata?.deletionTimestamp, '2026-01-02T03:04:11Z');
    assert.equal(shorter.object.metadata?.deletionGracePeriodSeconds, 5);
    const now = await store.delete('ns', 'a', { gracePeriodSeconds: 0 });
    assert.equal(now.deleted, true);
    await rejects(store.get('ns', 'a'), 404, 'NotFound');
  });

  it('delete preconditions on uid and resourceVersion', async () => {
    const { store } = await storeFor();
    const made = await store.create('ns', widget('a'));
    await rejects(store.delete('ns', 'a', { preconditions: { uid: 'other' } }), 409, 'Conflict');
    await rejects(store.delete('ns', 'a', { preconditions: { resourceVersion: '12345' } }), 409, 'Conflict');
    assert.equal((await store.delete('ns', 'a', { preconditions: { uid: made.metadata?.uid } })).deleted, true);
  });

  it('a list without a limit reads in batches at one revision, whatever is written meanwhile', async () => {
    const { store } = await storeFor();
    await Promise.all(Array.from({ length: 2100 }, (_, i) => store.create('ns', widget(`w${String(i).padStart(4, '0')}`))));
    const before = await store.list('ns', { limit: 1 });
    const listing = store.list('ns');
    const writes = Promise.all(Array.from({ length: 50 }, (_, i) => store.create('ns', widget(`late-${i}`))));
    const [all] = await Promise.all([listing, writes]);
    assert.equal(all.items.length, 2100);
    assert.equal(all.items[1500]?.metadata?.name, 'w1500');
    assert.equal(all.resourceVersion, before.resourceVersion);
    assert.equal(all.continueToken, undefined);
    assert.equal((await store.list('ns')).items.length, 2150);
  });

  it('list pages with continue tokens at the first page’s revision', async () => {
    const { store } = await storeFor();
    for (let i = 0; i < 5; i++) await store.create('ns', widget(`w${i}`));
    await store.create('other', widget('elsewhere'));
    const page1 = await store.list('ns', { limit: 2 });
    assert.deepEqual(
      page1.items.map((o) => o.metadata?.name),
      ['w0', 'w1'],
    );
    assert.equal(page1.remainingItemCount, 3);
    await store.create('ns', widget('w9'));
    await store.delete('ns', 'w4');
    const page2 = await store.list('ns', { limit: 2, continueToken: page1.continueToken });
    const page3 = await store.list('ns', { limit: 2, continueToken: page2.continueToken });
    assert.deepEqual(
      [...page2.items, ...page3.items].map((o) => o.metadata?.name),
      ['w2', 'w3', 'w4'],
      'the snapshot of page 1',
    );
    assert.equal(page3.continueToken, undefined);
    assert.equal(page1.resourceVersion, page3.resourceVersion);
    assert.equal((await store.list(undefined)).items.length, 6, 'all namespaces, current revision');
    const labelled = await store.list('ns', { labelMatch: (l) => l?.none === 'x' });
    assert.equal(labelled.items.length, 0);
    await rejects(store.list('ns', { continueToken: 'garbage' }), 400, 'BadRequest');
    await rejects(store.list('ns', { resourceVersion: 'abc' }), 400, 'BadRequest');
  });

  it('shared reads serve what a fresh decode serves, decode each stored revision once, and keep old snapshots', async () => {
    const objects = new ObjectCache();
    const { store } = await storeFor(widgets, [], objects);
    for (let i = 0; i < 300; i++) {
      const name = `w${String(i).padStart(3, '0')}`;
      await store.create('ns', widget(name, { metadata: { name, labels: { odd: String(i % 2) } } }));
    }
    const old = await store.list('ns');
    await store.guaranteedUpdate('ns', 'w001', (live) => ({ ...live, spec: { size: 2 } }));
    const fresh = await store.list('ns');
    const shared = await store.listShared('ns');
    assert.deepEqual(
      shared.items.map((s) => s.object),
      fresh.items,
    );
    assert.deepEqual(
      shared.items.map((s) => s.json()),
      fresh.items.map((o) => JSON.stringify(o)),
    );
    assert.equal(shared.resourceVersion, fresh.resourceVersion);
    // A second read hands out the very same objects: nothing is decoded or encoded again.
    const again = await store.listShared('ns');
    assert.ok(again.items.every((s, i) => s === shared.items[i]));
    assert.equal((await store.getShared('ns', 'w001')).json(), JSON.stringify(fresh.items[1]));
    // Selectors and pages see the same objects as the fresh list.
    const odd = await store.listShared('ns', { labelMatch: (l) => l?.odd === '1', limit: 10 });
    assert.deepEqual(
      odd.items.map((s) => s.object),
      fresh.items.filter((o) => o.metadata?.labels?.odd === '1').slice(0, 10),
    );
    const page2 = await store.listShared('ns', { limit: 200, continueToken: (await store.listShared('ns', { limit: 100 })).continueToken });
    assert.deepEqual(
      page2.items.map((s) => s.object),
      fresh.items.slice(100),
    );
    // A list at the revision before the update serves the old state of w001, not the cached newest.
    const exact = await store.listShared('ns', { resourceVersion: old.resourceVersion, resourceVersionMatch: 'Exact' });
    assert.deepEqual(
      exact.items.map((s) => s.object),
      old.items,
    );
    assert.deepEqual((await store.listShared('ns')).items[1]?.object.spec, { size: 2 });
  });

  it('shared reads of another version rewrite a copy, never the cached object', async () => {
    const objects = new ObjectCache();
    const { store: v1, backend } = await storeFor({ ...widgets, convertApiVersion: true }, [], objects);
    const v2 = new GenericStore({ ...widgets, version: 'v2', convertApiVersion: true }, { backend, clock: { now: () => new Date() }, objects });
    await v1.create('ns', widget('a'));
    const asV2 = await v2.listShared('ns');
    assert.equal(asV2.items[0]?.object.apiVersion, 'example.com/v2');
    assert.equal(JSON.parse(asV2.items[0]!.json()).apiVersion, 'example.com/v2');
    assert.equal((await v2.getShared('ns', 'a')).object.apiVersion, 'example.com/v2');
    assert.equal((await v1.listShared('ns')).items[0]?.object.apiVersion, 'example.com/v1');
    assert.equal(JSON.parse((await v1.getShared('ns', 'a')).json()).apiVersion, 'example.com/v1');
  });

  it("a write's watch event, the object it returns and a GET share the writer's object, decoded never", async () => {
    const backend = await openSqliteBackend({ path: ':memory:' });
    backends.push(backend);
    const cache = new WatchCache(backend);
    await cache.start();
    const abort = new AbortController();
    after(() => {
      abort.abort();
      cache.stop();
    });
    const events: CacheEvent[] = [];
    await cache.subscribe('/registry/example.com/widgets/', backend.currentRevision(), (e) => events.push(e), abort.signal);
    const store = new GenericStore(widgets, { backend, clock: { now: () => new Date() }, objects: cache.objects });
    const parse = JSON.parse;
    let parses = 0;
    const counting = (text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
      parses++;
      return parse(text, reviver);
    };

    JSON.parse = counting;
    let created: KObject;
    let updated: KObject;
    try {
      created = await store.create('ns', widget('a', { metadata: { name: 'a', labels: { x: '1' } } }));
      updated = (await store.guaranteedUpdate('ns', 'a', (live) => ({ ...live, status: { ready: true } }), { subresource: 'status' })).object;
      assert.equal(events.length, 2);
      assert.equal(events[0]!.object, created);
      assert.equal(events[1]!.object, updated);
      assert.equal(store.sharedOf(updated)?.object, updated);
      assert.equal(await store.getReadOnly('ns', 'a'), updated);
    } finally {
      JSON.parse = parse;
    }
    // The update decoded the live row once, for the caller's copy; the live state it compared
    // against, the events and the returned objects decoded nothing.
    assert.equal(parses, 1);
    // What they share is what decoding the stored rows gives, to the byte.
    const fresh = await store.get('ns', 'a');
    assert.deepEqual(updated, fresh);
    assert.equal(store.sharedOf(updated)!.json(), JSON.stringify(fresh));
    assert.equal(updated.metadata?.resourceVersion, String(backend.currentRevision()));
    assert.notEqual(created.metadata?.resourceVersion, updated.metadata?.resourceVersion);
    assert.deepEqual(created.metadata?.labels, { x: '1' });
    // The status update shares the unchanged spec with the state before it, and left that alone.
    assert.equal(updated.spec, created.spec);
    assert.equal(created.status, undefined);
    // A status update that changes nothing writes nothing.
    const again = await store.guaranteedUpdate('ns', 'a', (live) => ({ ...live, status: { ready: true } }), { subresource: 'status' });
    assert.equal(again.object.metadata?.resourceVersion, updated.metadata?.resourceVersion);
    assert.equal(events.length, 2);

    // A row written around the store (another value than the one expected) is decoded as stored.
    const kv = (await backend.get('/registry/example.com/widgets/ns/a'))!;
    cache.objects.expectWrite(kv.key, 'not what gets stored', { metadata: { name: 'wrong' } });
    const raw = parse(kv.value) as KObject;
    await backend.update(kv.key, JSON.stringify({ ...raw, spec: { size: 9 } }), kv.modRevision);
    assert.deepEqual(events[2]!.object.spec, { size: 9 });
    assert.equal(events[2]!.object.metadata?.name, 'a');
  });
});
