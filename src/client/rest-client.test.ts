import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client } from './rest-client.ts';
import { isAlreadyExists, isConflict, isGone, isNotFound, isTransportError, ClientError } from './errors.ts';
import { JsonObjectSplitter } from './json-stream.ts';
import { resources } from './resources.ts';
import { startFakeApiServer, type FakeApiServer } from './testing/fake-apiserver.ts';
import type { KubeObject, WatchEvent } from './types.ts';
import { skipTestUnlessCI } from '../../test/skip-unless-ci.ts';

const PODS = '/api/v1/namespaces/default/pods';

describe('rest client', () => {
  let server: FakeApiServer;
  let client: Client;
  before(async () => {
    server = await startFakeApiServer({ token: 'secret' });
    client = createClient({ server: server.url, token: 'secret', userAgent: 'peapod-test' });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('creates, gets, updates, patches and deletes on the Kubernetes paths', async () => {
    const created = await client.create(resources.pods, 'default', { metadata: { name: 'a' }, spec: {} } as KubeObject);
    assert.equal(created.metadata?.namespace, 'default');
    assert.ok(created.metadata?.resourceVersion);
    const got = await client.get(resources.pods, 'default', 'a');
    assert.equal(got.metadata?.uid, created.metadata?.uid);
    const updated = await client.update(resources.pods, 'default', { ...got, metadata: { ...got.metadata, labels: { x: '1' } } });
    assert.equal(updated.metadata?.labels?.x, '1');
    await client.patch(resources.pods, 'default', 'a', { status: { phase: 'Running' } }, { type: 'strategic', subresource: 'status', fieldManager: 'me' });
    const patchReq = server.requests.at(-1);
    assert.equal(patchReq?.path, `${PODS}/a/status`);
    assert.equal(patchReq?.headers['content-type'], 'application/strategic-merge-patch+json');
    assert.equal(patchReq?.query.get('fieldManager'), 'me');
    assert.equal(patchReq?.headers.authorization, 'Bearer secret');
    assert.equal(patchReq?.headers['user-agent'], 'peapod-test');
    await client.post(resources.pods, 'default', 'a', 'binding', { kind: 'Binding', target: { kind: 'Node', name: 'n1' } });
    assert.equal(server.requests.at(-1)?.path, `${PODS}/a/binding`);
    const deleted = await client.delete(resources.pods, 'default', 'a', { gracePeriodSeconds: 0 });
    assert.equal((deleted as KubeObject).metadata?.name, 'a');
    assert.deepEqual(JSON.parse(server.requests.at(-1)?.body ?? ''), { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 });
    await assert.rejects(client.get(resources.pods, 'default', 'a'), (e) => isNotFound(e));
  });

  it('addresses grouped and cluster-scoped resources', async () => {
    await client.create(resources.deployments, 'ns1', { metadata: { name: 'd' } });
    assert.equal(server.requests.at(-1)?.path, '/apis/apps/v1/namespaces/ns1/deployments');
    await client.create(resources.nodes, undefined, { metadata: { name: 'n1' } });
    assert.equal(server.requests.at(-1)?.path, '/api/v1/nodes');
    await client.get(resources.nodes, undefined, 'n1');
    assert.equal(server.requests.at(-1)?.path, '/api/v1/nodes/n1');
    await assert.rejects(client.get(resources.pods, undefined, 'x'), /namespace is required/);
  });

  it('throws ClientError with the server Status and classifies it', async () => {
    await client.create(resources.pods, 'default', { metadata: { name: 'dup' } });
    const err = await client.create(resources.pods, 'default', { metadata: { name: 'dup' } }).catch((e: unknown) => e);
    assert.ok(err instanceof ClientError);
    assert.equal(err.code, 409);
    assert.equal(err.message, 'pods "dup" already exists');
    assert.ok(isAlreadyExists(err) && !isConflict(err));
    const cur = await client.get(resources.pods, 'default', 'dup');
    await assert.rejects(
      client.update(resources.pods, 'default', { ...cur, metadata: { ...cur.metadata, resourceVersion: '1' } }),
      (e) => isConflict(e) && !isAlreadyExists(e),
    );
    const nf = await client.get(resources.pods, 'default', 'nope').catch((e: unknown) => e);
    assert.ok(nf instanceof ClientError && nf.status.reason === 'NotFound' && nf.status.details?.name === 'nope');
    server.failNext('GET', PODS, 410);
    await assert.rejects(client.list(resources.pods, 'default'), (e) => isGone(e));
  });

  it('rejects with the 401 Status when the token is wrong', async () => {
    const bad = createClient({ server: server.url, token: 'wrong' });
    await assert.rejects(bad.list(resources.pods, 'default'), (e) => e instanceof ClientError && e.code === 401);
    bad.close();
  });

  it('reports transport failures as ClientError code 0', async () => {
    const dead = createClient({ server: 'http://127.0.0.1:1', timeoutMs: 2000 });
    await assert.rejects(dead.get(resources.pods, 'default', 'x'), (e) => isTransportError(e));
    dead.close();
  });

  it('lists with selectors and pagination parameters', async () => {
    for (const n of ['l1', 'l2', 'l3']) await client.create(resources.pods, 'sel', { metadata: { name: n, labels: { app: 'web' } } });
    const page = await client.list(resources.pods, 'sel', { labelSelector: 'app=web', limit: 2 });
    assert.equal(page.items.length, 2);
    assert.ok(page.metadata?.continue);
    const rest = await client.list(resources.pods, 'sel', { labelSelector: 'app=web', limit: 2, continue: page.metadata?.continue });
    assert.deepEqual(
      rest.items.map((p) => p.metadata?.name),
      ['l3'],
    );
    assert.equal(server.requests.at(-1)?.query.get('labelSelector'), 'app=web');
  });

  it('retries a request the server refused with 429', async () => {
    const immediate = {
      now: () => Date.now(),
      setTimeout: (fn: () => void) => {
        setImmediate(fn);
        return { cancel: () => undefined };
      },
    };
    const c = createClient({ server: server.url, token: 'secret', clock: immediate });
    server.failNext('GET', `${PODS}/dup`, 429, 2);
    assert.equal((await c.get(resources.pods, 'default', 'dup')).metadata?.name, 'dup');
    server.failNext('GET', `${PODS}/dup`, 429, 4);
    await assert.rejects(c.get(resources.pods, 'default', 'dup'), (e) => e instanceof ClientError && e.code === 429);
    c.close();
  });

  it('counts requests per verb and resource', async () => {
    client.resetStats();
    await client.list(resources.pods, 'default');
    await client.get(resources.pods, 'default', 'dup');
    await client.post(resources.pods, 'default', 'dup', 'binding', {});
    await client.raw('GET', '/api/v1/namespaces/default/pods');
    const s = client.stats();
    assert.equal(s.total, 4);
    assert.deepEqual(s.byVerb, { list: 1, get: 1, create: 1, raw: 1 });
    assert.equal(s.byResource['create pods/binding'], 1);
  });

  it('streams watch events in order, delivers 410 ERROR events, and resolves on abort', async () => {
    const rv = String(server.rv());
    const seen: WatchEvent[] = [];
    const ac = new AbortController();
    const done = client.watch(resources.pods, 'w', { resourceVersion: rv, allowWatchBookmarks: true, signal: ac.signal }, (ev) => {
      seen.push(ev);
      if (seen.length === 3) ac.abort();
    });
    await client.create(resources.pods, 'w', { metadata: { name: 'p1' } });
    await client.patch(resources.pods, 'w', 'p1', { spec: { x: 1 } }, { type: 'merge' });
    await client.delete(resources.pods, 'w', 'p1');
    await done;
    assert.deepEqual(
      seen.map((e) => e.type),
      ['ADDED', 'MODIFIED', 'DELETED'],
    );
    const watchReq = server.requests.find((r) => r.query.get('watch') === 'true');
    assert.equal(watchReq?.query.get('allowWatchBookmarks'), 'true');
    assert.equal(watchReq?.query.get('resourceVersion'), rv);

    server.compact();
    const errs: WatchEvent[] = [];
    await client.watch(resources.pods, 'w', { resourceVersion: rv }, (ev) => errs.push(ev));
    assert.equal(errs[0]?.type, 'ERROR');
    assert.equal(errs[0]?.type === 'ERROR' ? errs[0].object.code : 0, 410);
  });

  it('rejects a watch with a non-200 reply and when the handler throws', async () => {
    server.failNext('GET', '/api/v1/namespaces/w2/pods', 500);
    await assert.rejects(
      client.watch(resources.pods, 'w2', {}, () => undefined),
      (e) => e instanceof ClientError && e.code === 500,
    );
    await client.create(resources.pods, 'w2', { metadata: { name: 'x' } });
    await assert.rejects(
      client.watch(resources.pods, 'w2', { resourceVersion: '1' }, () => {
        throw new Error('handler');
      }),
      /handler/,
    );
  });
});

describe('JsonObjectSplitter', () => {
  it('splits objects across arbitrary chunk boundaries, braces inside strings included', () => {
    const text = '{"type":"ADDED","object":{"m":"a}{\\"b"}}\n{"type":"BOOKMARK","object":{}}{"x":1}\n';
    for (let cut = 1; cut < text.length; cut++) {
      const s = new JsonObjectSplitter();
      const out = [...s.push(text.slice(0, cut)), ...s.push(text.slice(cut))];
      assert.equal(out.length, 3, `cut at ${cut}`);
      assert.deepEqual(JSON.parse(out[0] ?? ''), { type: 'ADDED', object: { m: 'a}{"b' } });
      assert.equal(s.partial, false);
    }
  });
});

describe('rest client over TLS', () => {
  it('trusts the given CA and refuses an unknown certificate', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'peapod-client-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
    } catch {
      skipTestUnlessCI(t, 'openssl not available');
      return;
    }
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    rmSync(dir, { recursive: true });
    const server = await startFakeApiServer({ tls: { cert, key }, token: 't' });
    const good = createClient({ server: server.url, ca: cert, token: 't' });
    const untrusting = createClient({ server: server.url, token: 't' });
    try {
      await good.create(resources.namespaces, undefined, { metadata: { name: 'tls' } });
      assert.equal((await good.get(resources.namespaces, undefined, 'tls')).metadata?.name, 'tls');
      await assert.rejects(untrusting.get(resources.namespaces, undefined, 'tls'), (e) => isTransportError(e));
    } finally {
      good.close();
      untrusting.close();
      await server.close();
    }
  });
});
