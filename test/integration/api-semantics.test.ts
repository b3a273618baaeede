// API semantics a client relies on beyond plain CRUD: dry runs, finalizers, graceful pod deletion,
// selector-filtered watches (entering = ADDED, leaving = DELETED), deletecollection and /metrics.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { api, eventually, kubectl, API_ONLY, startServer, type TestServer } from './harness.ts';

let server: TestServer;
before(async () => {
  server = await startServer({ args: API_ONLY });
});
after(async () => {
  await server?.stop();
});

interface Obj {
  metadata: {
    name: string;
    uid: string;
    resourceVersion: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    finalizers?: string[];
    labels?: Record<string, string>;
  };
}

/** Opens a watch and collects `type name` strings until stop() is called. */
function watch(path: string): { events: string[]; stop(): void } {
  const events: string[] = [];
  let buf = '';
  const req = request(new URL(path, server.url), { headers: { Authorization: `Bearer ${server.token}` }, ca: server.ca }, (res) => {
    res.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const e = JSON.parse(line) as { type: string; object: Obj };
        events.push(`${e.type} ${e.object.metadata.name ?? ''}`);
      }
    });
    res.on('error', () => {});
  });
  req.on('error', () => {});
  req.end();
  return { events, stop: () => req.destroy() };
}

const cm = (name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels, ...extra },
  data: { a: '1' },
});

describe('API semantics', () => {
  it('dry runs validate and return the object but persist nothing', async () => {
    const r = await api(server, 'POST', '/api/v1/namespaces/default/configmaps?dryRun=All', { body: cm('dry') });
    assert.equal(r.status, 201);
    assert.equal(r.json<Obj>().metadata.name, 'dry');
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/default/configmaps/dry')).status, 404);
    const k = await kubectl(server, ['apply', '--dry-run=server', '-f', '-', '-o', 'name'], { input: JSON.stringify(cm('dry2')) });
    assert.equal(k.code, 0, k.stderr);
    assert.equal(k.stdout.trim(), 'configmap/dry2');
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/default/configmaps/dry2')).status, 404);
  });

  it('keeps an object with finalizers until they are removed', async () => {
    await api(server, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('fin', {}, { finalizers: ['example.com/hold'] }) });
    const del = await api(server, 'DELETE', '/api/v1/namespaces/default/configmaps/fin');
    assert.ok(del.status === 200 || del.status === 202, del.body);
    const live = (await api(server, 'GET', '/api/v1/namespaces/default/configmaps/fin')).json<Obj>();
    assert.ok(live.metadata.deletionTimestamp, 'deletionTimestamp set');
    const patched = await api(server, 'PATCH', '/api/v1/namespaces/default/configmaps/fin', {
      body: { metadata: { finalizers: null } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(patched.status, 200, patched.body);
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/default/configmaps/fin')).status, 404);
  });

  it('deletes a scheduled pod gracefully: deletionTimestamp first, gone after grace 0 with a UID precondition', async () => {
    const created = await api(server, 'POST', '/api/v1/namespaces/default/pods', {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bound' }, spec: { nodeName: 'somewhere', containers: [{ name: 'c', image: 'busybox' }] } },
    });
    assert.equal(created.status, 201, created.body);
    const uid = created.json<Obj>().metadata.uid;
    const first = await api(server, 'DELETE', '/api/v1/namespaces/default/pods/bound');
    assert.equal(first.status, 200);
    const pending = first.json<Obj>();
    assert.ok(pending.metadata.deletionTimestamp);
    assert.equal(pending.metadata.deletionGracePeriodSeconds, 30);
    const table = await kubectl(server, ['get', 'pod', 'bound']);
    assert.match(table.stdout, /^bound\s+0\/1\s+Terminating\s+/m);
    const wrongUid = await api(server, 'DELETE', '/api/v1/namespaces/default/pods/bound', {
      body: { gracePeriodSeconds: 0, preconditions: { uid: 'not-it' } },
    });
    assert.equal(wrongUid.status, 409, wrongUid.body);
    const last = await api(server, 'DELETE', '/api/v1/namespaces/default/pods/bound', { body: { gracePeriodSeconds: 0, preconditions: { uid } } });
    assert.equal(last.status, 200, last.body);
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/default/pods/bound')).status, 404);
  });

  it('turns selector entry and exit into ADDED and DELETED on a filtered watch', async () => {
    const list = (await api(server, 'GET', '/api/v1/namespaces/default/configmaps')).json<{ metadata: { resourceVersion: string } }>();
    const w = watch(`/api/v1/namespaces/default/configmaps?watch=true&labelSelector=tier%3Dfront&resourceVersion=${list.metadata.resourceVersion}`);
    try {
      await api(server, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('mover', { tier: 'back' }) });
      const patch = (tier: string) =>
        api(server, 'PATCH', '/api/v1/namespaces/default/configmaps/mover', {
          body: { metadata: { labels: { tier } } },
          contentType: 'application/merge-patch+json',
        });
      await patch('front');
      await patch('front2');
      await patch('front');
      await api(server, 'DELETE', '/api/v1/namespaces/default/configmaps/mover');
      await eventually('four events', async () => w.events.length >= 4);
      assert.deepEqual(w.events, ['ADDED mover', 'DELETED mover', 'ADDED mover', 'DELETED mover']);
    } finally {
      w.stop();
    }
  });

  it('retries concurrent patches without a resourceVersion instead of answering 409', async () => {
    await api(server, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('busy') });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api(server, 'PATCH', '/api/v1/namespaces/default/configmaps/busy', {
          body: { data: { [`k${i}`]: String(i) } },
          contentType: 'application/merge-patch+json',
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array(20).fill(200),
    );
    const live = (await api(server, 'GET', '/api/v1/namespaces/default/configmaps/busy')).json<{ data: Record<string, string> }>();
    assert.equal(Object.keys(live.data).length, 21, 'every patch landed');
  });

  it('deletes a collection by label', async () => {
    for (const n of ['c1', 'c2', 'c3']) await api(server, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm(n, { type: 'Testing' }) });
    await api(server, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('c4', { type: 'Other' }) });
    const r = await api(server, 'DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=type%3DTesting');
    assert.equal(r.status, 200, r.body);
    const left = (await api(server, 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=type')).json<{ items: Obj[] }>();
    assert.deepEqual(
      left.items.map((i) => i.metadata.name),
      ['c4'],
    );
  });

  it('serves Prometheus metrics with request counts by verb and resource', async () => {
    const r = await api(server, 'GET', '/metrics', { headers: { Accept: 'text/plain' } });
    assert.equal(r.status, 200);
    assert.match(r.body, /apiserver_request_total\{verb="LIST",resource="configmaps",code="200"\} \d+/);
    assert.match(
      r.body,
      /apiserver_request_duration_seconds_bucket\{le="0.005",verb="POST"|apiserver_request_duration_seconds_bucket\{le="0.005",verb="CREATE"/,
    );
    assert.equal((await api(server, 'GET', '/metrics', { token: null })).status, 401);
  });
});
