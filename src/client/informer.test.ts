import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createFakeClock } from '../util/index.ts';
import { createInformer, type Informer } from './informer.ts';
import { createInformerFactory, createSharedInformers } from './informer-factory.ts';
import { createClient, type Client } from './rest-client.ts';
import { resources } from './resources.ts';
import { NAMESPACE_INDEX, namespaceIndexer } from './store.ts';
import { startFakeApiServer, type FakeApiServer } from './testing/fake-apiserver.ts';
import { silentLogger, type KubeObject } from './types.ts';

const PODS = '/api/v1/namespaces/default/pods';
const pod = (name: string, extra: Record<string, string> = {}): KubeObject => ({ metadata: { name, namespace: 'default', labels: extra } });

async function waitFor(cond: () => boolean, what: string | (() => string), ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

type Ev = string;
function record(inf: Informer<KubeObject>): Ev[] {
  const evs: Ev[] = [];
  inf.on('add', (o) => evs.push(`add ${o.metadata?.name}`));
  inf.on('update', (a, b) => evs.push(`update ${b.metadata?.name}${a === b ? ' (resync)' : ''}`));
  inf.on('delete', (o, unknown) => evs.push(`delete ${o.metadata?.name}${unknown ? ' (unknown)' : ''}`));
  return evs;
}

describe('informer', () => {
  let server: FakeApiServer;
  let client: Client;
  let ac: AbortController;
  before(async () => {
    server = await startFakeApiServer();
    client = createClient({ server: server.url });
  });
  afterEach(() => ac?.abort());
  after(async () => {
    client.close();
    await server.close();
  });

  it('lists in pages, syncs, then follows the watch from the list resourceVersion', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) server.put(PODS, pod(n, { app: n === 'e' ? 'db' : 'web' }));
    server.put('/api/v1/namespaces/other/pods', { metadata: { name: 'o', namespace: 'other' } });
    const inf = createInformer(client, resources.pods, {
      pageSize: 2,
      logger: silentLogger,
      indexers: { [NAMESPACE_INDEX]: namespaceIndexer, app: (o) => [o.metadata?.labels?.app ?? ''] },
    });
    const evs = record(inf);
    const listsBefore = server.requests.filter((r) => r.method === 'GET' && !r.query.get('watch')).length;
    ac = new AbortController();
    const running = inf.start(ac.signal);
    await inf.waitForSync(ac.signal);
    assert.equal(inf.hasSynced(), true);
    const lists = server.requests.filter((r) => r.method === 'GET' && !r.query.get('watch')).slice(listsBefore);
    assert.equal(lists.length, 3, '6 objects in pages of 2');
    assert.deepEqual(
      lists.map((r) => r.query.get('limit')),
      ['2', '2', '2'],
    );
    assert.deepEqual(inf.store.keys().sort(), ['default/a', 'default/b', 'default/c', 'default/d', 'default/e', 'other/o']);
    assert.equal(inf.store.byIndex('app', 'web').length, 4);
    assert.equal(inf.store.byIndex(NAMESPACE_INDEX, 'other').length, 1);
    assert.equal(evs.length, 6);

    await waitFor(
      () => server.watchers() === 1,
      () => `watch (have ${server.watchers()})`,
    );
    const watch = server.requests.find((r) => r.query.get('watch') === 'true');
    assert.equal(watch?.query.get('resourceVersion'), inf.lastResourceVersion());
    evs.length = 0;
    server.put(PODS, pod('f'));
    server.put(PODS, pod('a', { app: 'db' }));
    server.remove(PODS, 'b');
    await waitFor(() => evs.length === 3, 'events');
    assert.deepEqual(evs, ['add f', 'update a', 'delete b']);
    assert.equal(inf.store.byIndex('app', 'db').length, 2, 'index follows updates');
    assert.equal(inf.store.get('default/b'), undefined);

    server.sendBookmark();
    await waitFor(() => inf.lastResourceVersion() === String(server.rv()), 'bookmark');
    ac.abort();
    await running;
  });

  it('an update keeps the cached parts it did not change: same objects, new values where changed', async () => {
    const spec = { containers: [{ name: 'c', image: 'busybox' }] };
    const version = (phase: string): KubeObject =>
      ({ metadata: { name: 'shared', namespace: 'default', labels: { app: 'web' } }, spec, status: { phase } }) as KubeObject;
    server.put(PODS, version('Pending'));
    const inf = createInformer(client, resources.pods, { namespace: 'default', logger: silentLogger });
    const updates: [KubeObject, KubeObject][] = [];
    inf.on('update', (a, b) => updates.push([a, b]));
    ac = new AbortController();
    void inf.start(ac.signal);
    await inf.waitForSync(ac.signal);
    await waitFor(() => server.watchers() === 1, 'watch');
    server.put(PODS, version('Running'));
    await waitFor(() => updates.length === 1, 'update');
    type P = KubeObject & { spec: unknown; status: { phase: string } };
    const [before, after] = updates[0] as [P, P];
    assert.equal(after.status.phase, 'Running');
    assert.equal(before.status.phase, 'Pending', 'the old object is left as it was');
    assert.equal(after.spec, before.spec);
    assert.equal(after.metadata?.labels, before.metadata?.labels);
    assert.notEqual(after.metadata, before.metadata, 'resourceVersion changed');
    assert.equal(inf.store.get('default/shared'), after);
  });

  it('re-watches from the last resourceVersion when the stream ends, without relisting', async () => {
    const inf = createInformer(client, resources.pods, { namespace: 'default', logger: silentLogger });
    const evs = record(inf);
    ac = new AbortController();
    void inf.start(ac.signal);
    await inf.waitForSync(ac.signal);
    await waitFor(
      () => server.watchers() === 1,
      () => `watch (have ${server.watchers()})`,
    );
    const lists = (): number => server.requests.filter((r) => r.method === 'GET' && !r.query.get('watch') && r.path === PODS).length;
    const listsAfterSync = lists();
    evs.length = 0;
    server.closeWatches();
    server.put(PODS, pod('g'));
    await waitFor(() => evs.includes('add g'), 'event after reconnect');
    assert.equal(lists(), listsAfterSync, 'no relist');
  });

  it('relists on a 410 ERROR event and emits the difference, with unknown final state for vanished objects', async () => {
    const inf = createInformer(client, resources.pods, { namespace: 'default', logger: silentLogger, backoff: { initialMs: 10, maxMs: 50 } });
    const evs = record(inf);
    ac = new AbortController();
    void inf.start(ac.signal);
    await inf.waitForSync(ac.signal);
    await waitFor(
      () => server.watchers() === 1,
      () => `watch (have ${server.watchers()})`,
    );
    const before = new Map(inf.store.list().map((o) => [o.metadata?.name, o.metadata?.resourceVersion]));
    assert.ok(before.has('c') && before.has('d'));
    evs.length = 0;
    const oldRV = inf.lastResourceVersion();
    const listCount = (): number => server.requests.filter((r) => r.path === PODS && !r.query.get('watch')).length;
    const listsBefore = listCount();
    // Disconnect; while away: c changes, d goes away, h arrives; then history is compacted.
    server.failNext('GET', PODS, 500, 1);
    server.closeWatches();
    server.put(PODS, pod('c', { changed: 'yes' }));
    server.remove(PODS, 'd');
    server.put(PODS, pod('h'));
    server.compact();
    await waitFor(
      () => evs.length === 3,
      () => `relist diff, got ${JSON.stringify(evs)}`,
    );
    assert.deepEqual(evs.sort(), ['add h', 'delete d (unknown)', 'update c']);
    assert.equal(inf.store.get('default/c')?.metadata?.labels?.changed, 'yes');
    assert.equal(inf.store.get('default/d'), undefined);
    assert.ok(
      server.requests.some((r) => r.query.get('watch') === 'true' && r.query.get('resourceVersion') === oldRV),
      'resumed from the old resourceVersion (and got the 410 ERROR event)',
    );
    assert.equal(listCount(), listsBefore + 1, 'exactly one relist');
  });

  it('relists on an HTTP 410 reply to the watch', async () => {
    const inf = createInformer(client, resources.pods, { namespace: 'default', logger: silentLogger });
    const evs = record(inf);
    ac = new AbortController();
    void inf.start(ac.signal);
    await inf.waitForSync(ac.signal);
    await waitFor(
      () => server.watchers() === 1,
      () => `watch (have ${server.watchers()})`,
    );
    evs.length = 0;
    server.failNext('GET', PODS, 410, 1);
    server.closeWatches();
    server.put(PODS, pod('i'));
    await waitFor(() => evs.includes('add i'), 'add after relist');
    const last = server.requests.filter((r) => r.path === PODS && r.method === 'GET').slice(-3);
    assert.ok(
      last.some((r) => !r.query.get('watch') && r.query.get('limit') === '500'),
      'relisted',
    );
  });

  it('survives a throwing handler and keeps delivering later events', async () => {
    const inf = createInformer(client, resources.pods, { namespace: 'default', logger: silentLogger });
    const names: string[] = [];
    inf.on('add', (o) => {
      if (o.metadata?.name === 'boom') throw new Error('handler bug');
    });
    inf.on('add', (o) => names.push(o.metadata?.name ?? ''));
    ac = new AbortController();
    void inf.start(ac.signal);
    await inf.waitForSync(ac.signal);
    await waitFor(
      () => server.watchers() === 1,
      () => `watch (have ${server.watchers()})`,
    );
    server.put(PODS, pod('boom'));
    server.put(PODS, pod('after'));
    await waitFor(() => names.includes('after'), 'later event');
    assert.ok(names.indexOf('boom') < names.indexOf('after'), 'in order, and the second handler still saw boom');
  });

  it('replays the cache to an add handler registered after sync', async () => {
    const inf = createInformer(client, resources.pods, { namespace: 'default', logger: silentLogger });
    ac = new AbortController();
    void inf.start(ac.signal);
    await inf.waitForSync(ac.signal);
    let n = 0;
    inf.on('add', () => n++);
    assert.equal(n, inf.store.size);
  });

  it('resyncs every resyncMs on the injected clock', async () => {
    const clock = createFakeClock();
    const inf = createInformer(client, resources.pods, { namespace: 'default', logger: silentLogger, resyncMs: 1000, clock });
    const evs = record(inf);
    ac = new AbortController();
    void inf.start(ac.signal);
    await inf.waitForSync(ac.signal);
    evs.length = 0;
    clock.advance(999);
    assert.equal(evs.length, 0);
    clock.advance(1);
    assert.equal(evs.length, inf.store.size);
    assert.ok(evs.every((e) => e.endsWith('(resync)')));
    clock.advance(1000);
    assert.equal(evs.length, 2 * inf.store.size);
  });

  it('shares one informer (one list, one watch) between callers of a factory', async () => {
    const factory = createInformerFactory(client, { logger: silentLogger });
    const a = factory.informerFor(resources.pods, { namespace: 'default', indexers: { app: (o) => [o.metadata?.labels?.app ?? ''] } });
    const b = factory.informerFor(resources.pods, { namespace: 'default', indexers: { name: (o) => [o.metadata?.name ?? ''] } });
    const other = factory.informerFor(resources.pods, { namespace: 'other' });
    assert.equal(a, b);
    assert.notEqual(a, other);
    const listsBefore = server.requests.filter((r) => r.path === PODS && !r.query.get('watch')).length;
    ac = new AbortController();
    factory.start(ac.signal);
    await factory.waitForSync(ac.signal);
    assert.equal(server.requests.filter((r) => r.path === PODS && !r.query.get('watch')).length, listsBefore + 1);
    assert.equal(b.store.byIndex('name', 'a').length, 1, 'index added by the second caller');
    assert.ok(a.store.byIndex('app', 'db').length >= 1);
  });

  it('shares informers between users that come and go: one list and watch, handlers per user', async () => {
    ac = new AbortController();
    const shared = createSharedInformers(client, { signal: ac.signal, logger: silentLogger });
    const lists = (): number => server.requests.filter((r) => r.method === 'GET' && r.path === PODS && !r.query.get('watch')).length;
    await client.create(resources.pods, 'default', pod('shared-0'));
    const lists0 = lists();
    const watchers0 = server.watchers();
    const userA = new AbortController();
    const fa = shared.forUser(userA.signal);
    const a = fa.informerFor(resources.pods, { namespace: 'default' });
    const seenA = record(a);
    fa.start(userA.signal);
    await fa.waitForSync();
    // A second user arrives after the first synced: same cache, the objects replayed to it as adds.
    const userB = new AbortController();
    const fb = shared.forUser(userB.signal);
    const b = fb.informerFor(resources.pods, { namespace: 'default' });
    const seenB = record(b);
    fb.start(userB.signal);
    await fb.waitForSync();
    assert.equal(a.store, b.store);
    assert.ok(a.store.size > 0);
    assert.equal(seenB.filter((e) => e.startsWith('add ')).length, a.store.size);
    assert.equal(lists(), lists0 + 1);
    await waitFor(() => server.watchers() === watchers0 + 1, 'one watch');

    // The first user leaves: its handlers hear nothing more, the second's go on, on the same watch.
    userA.abort();
    await client.create(resources.pods, 'default', pod('shared-1'));
    await waitFor(
      () => seenB.includes('add shared-1'),
      () => `shared-1 seen by B: ${seenB.join(', ')}`,
    );
    assert.ok(!seenA.includes('add shared-1'), seenA.join(', '));
    assert.equal(server.watchers(), watchers0 + 1);

    // The last user leaves: the watch ends; the next user gets a fresh informer, listed again.
    userB.abort();
    await waitFor(() => server.watchers() === watchers0, 'the watch closed');
    const userC = new AbortController();
    const fc = shared.forUser(userC.signal);
    const c = fc.informerFor(resources.pods, { namespace: 'default' });
    assert.notEqual(c.store, b.store);
    fc.start(userC.signal);
    await fc.waitForSync();
    assert.equal(lists(), lists0 + 2);
    assert.ok(c.store.get('default/shared-1'));
    userC.abort();
    await waitFor(() => server.watchers() === watchers0, 'the watch closed');
  });

  it('waitForSync rejects when its signal aborts first', async () => {
    const dead = createClient({ server: 'http://127.0.0.1:1' });
    const inf = createInformer(dead, resources.pods, { logger: silentLogger, backoff: { initialMs: 10, maxMs: 10 } });
    ac = new AbortController();
    const running = inf.start(ac.signal);
    const wait = new AbortController();
    setTimeout(() => wait.abort(new Error('gave up')), 50);
    await assert.rejects(inf.waitForSync(wait.signal), /gave up/);
    assert.equal(inf.hasSynced(), false);
    ac.abort();
    await running;
    dead.close();
  });
});
