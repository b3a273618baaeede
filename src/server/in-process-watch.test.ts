// The server's shared informers watch its watch cache in-process: they hold the cache's own
// objects (one decoded copy of each object in the server, not one per informer), with the same
// stream an HTTP watcher gets — selector transitions, bookmarks, errors as ClientErrors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ClientError, createClient, resources, type Client, type InformerFactory, type WatchEvent } from '../client/index.ts';
import { startPeapodServer, type PeapodServer } from './peapod-server.ts';

const pod = (name: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('in-process watches of the shared informers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'peapod-inproc-'));
  const stop = new AbortController();
  let server: PeapodServer;
  let informers: InformerFactory;
  let loopback: Client;
  let admin: Client;

  before(async () => {
    server = await startPeapodServer({
      dataDir,
      port: 0,
      components: [
        {
          name: 'probe',
          async start(ctx) {
            informers = ctx.informers.forUser(stop.signal);
            loopback = ctx.newClient('probe');
          },
        },
      ],
    });
    admin = createClient({ server: server.url, token: server.token, ca: server.caPem, userAgent: 'in-process-watch-test' });
  });

  after(async () => {
    stop.abort();
    admin?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("holds the watch cache's own objects, as they change", async () => {
    const pods = informers.informerFor<Pod>(resources.pods);
    void pods.start(stop.signal);
    await pods.waitForSync(stop.signal);
    await admin.create(resources.pods, 'default', pod('shared'));
    const key = 'default/shared';
    const cached = () => server.api.ctx.watchCache.objects.newest('/registry/pods/default/shared')?.object;
    await until('the informer to see the pod', () => pods.store.get(key) !== undefined);
    assert.equal(pods.store.get(key), cached(), "the informer's object is the server's, not a copy");
    const updated = await admin.patch<Pod>(resources.pods, 'default', 'shared', { metadata: { labels: { v: '2' } } }, { type: 'merge' });
    await until('the update', () => pods.store.get(key)?.metadata?.resourceVersion === updated.metadata?.resourceVersion);
    assert.equal(pods.store.get(key), cached());
    assert.deepEqual(pods.store.get(key)?.metadata?.labels, { v: '2' });
    if (process.env.PEAPOD_FREEZE_SHARED === '1') assert.ok(Object.isFrozen(pods.store.get(key)?.metadata), 'frozen under PEAPOD_FREEZE_SHARED');
    await admin.delete(resources.pods, 'default', 'shared', { gracePeriodSeconds: 0 });
    await until('the delete', () => pods.store.get(key) === undefined);
  });

  it('turns label changes into ADDED and DELETED for a selector, as an HTTP watch does', async () => {
    assert.equal(loopback.sharesWatchObjects, false, "a component's own client still watches over HTTP");
    const ac = new AbortController();
    const seen: string[] = [];
    const labelled = informers.informerFor<Pod>(resources.pods, { labelSelector: 'app=web' });
    labelled.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
    labelled.on('delete', (p) => seen.push(`delete ${p.metadata?.name}`));
    void labelled.start(ac.signal);
    await labelled.waitForSync(ac.signal);
    await admin.create(resources.pods, 'default', pod('sel', { app: 'other' }));
    await admin.patch(resources.pods, 'default', 'sel', { metadata: { labels: { app: 'web' } } }, { type: 'merge' });
    await until('ADDED on entering the selection', () => seen.includes('add sel'));
    await admin.patch(resources.pods, 'default', 'sel', { metadata: { labels: { app: 'other' } } }, { type: 'merge' });
    await until('DELETED on leaving it', () => seen.includes('delete sel'));
    assert.deepEqual(seen, ['add sel', 'delete sel']);
    ac.abort();
  });
});

describe('the in-process watch stream', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'peapod-inproc-'));
  let server: PeapodServer;
  let client: Client;

  before(async () => {
    // A small watch cache: a watch from before it is served by storage, which compaction can refuse.
    server = await startPeapodServer({ dataDir, port: 0, watchCacheSize: 10 });
    client = createClient({
      server: server.url,
      token: server.token,
      ca: server.caPem,
      userAgent: 'in-process-watch-test',
      inProcessWatch: (ref, ns, opts, onEvent) => server.api.watchInProcess(ref, ns, opts, onEvent),
    });
  });

  after(async () => {
    client?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a bad selector and an unknown resource with the HTTP watch errors', async () => {
    const bad = await client.watch(resources.pods, 'default', { labelSelector: 'a in (' }, () => {}).catch((e: unknown) => e);
    assert.ok(bad instanceof ClientError, String(bad));
    assert.equal(bad.code, 400);
    const missing = await client
      .watch({ group: 'example.com', version: 'v1', resource: 'widgets', namespaced: true }, 'default', {}, () => {})
      .catch((e: unknown) => e);
    assert.ok(missing instanceof ClientError, String(missing));
    assert.equal(missing.code, 404);
  });

  it('ends at its timeout with a bookmark, and delivers a 410 for a compacted revision', async () => {
    const events: WatchEvent[] = [];
    const rv = (await client.list(resources.namespaces)).metadata?.resourceVersion;
    await client.watch(resources.namespaces, undefined, { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 1 }, (e) => events.push(e));
    assert.equal(events.at(-1)?.type, 'BOOKMARK');
    const gone: WatchEvent[] = [];
    await server.backend.compact(server.backend.currentRevision());
    await client.watch(resources.namespaces, undefined, { resourceVersion: '1', timeoutSeconds: 5 }, (e) => gone.push(e));
    assert.equal(gone.length, 1);
    assert.equal(gone[0]?.type, 'ERROR');
    assert.equal((gone[0]?.object as { code?: number } | undefined)?.code, 410);
  });

  it('stops and rejects with what the handler threw', async () => {
    await client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    let calls = 0;
    const err = await client
      .watch(resources.configmaps, 'default', { resourceVersion: '0' }, () => {
        calls++;
        throw new Error('handler broke');
      })
      .catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    assert.equal(err.message, 'handler broke');
    assert.equal(calls, 1);
  });
});
