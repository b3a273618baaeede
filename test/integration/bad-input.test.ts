// Bad input gets the upstream 4xx Status and changes nothing; the server keeps serving.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, API_ONLY, startServer, type TestServer } from './harness.ts';

let server: TestServer;
before(async () => {
  server = await startServer({ args: API_ONLY });
});
after(async () => {
  await server?.stop();
});

const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
  ...extra,
});

interface Status {
  kind: string;
  status: string;
  reason: string;
  code: number;
  message: string;
  details?: { causes?: { field?: string; reason?: string }[] };
}

async function currentRevision(): Promise<string> {
  const r = await api(server, 'GET', '/api/v1/pods');
  return r.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
}

describe('bad input', () => {
  it('requires authentication except for version and health', async () => {
    const r = await api(server, 'GET', '/api/v1/pods', { token: null });
    assert.equal(r.status, 401);
    assert.equal(r.json<Status>().reason, 'Unauthorized');
    const wrong = await api(server, 'GET', '/api/v1/pods', { token: 'nope' });
    assert.equal(wrong.status, 401);
    for (const path of ['/version', '/healthz', '/livez', '/readyz']) {
      assert.equal((await api(server, 'GET', path, { token: null })).status, 200, path);
    }
  });

  it('rejects malformed JSON and YAML with 400 and writes nothing', async () => {
    const before = await currentRevision();
    const r = await api(server, 'POST', '/api/v1/namespaces/default/pods', { body: '{"apiVersion": "v1", "kind": "Pod", "metadata": {' });
    assert.equal(r.status, 400);
    const s = r.json<Status>();
    assert.equal(s.kind, 'Status');
    assert.equal(s.reason, 'BadRequest');
    const y = await api(server, 'POST', '/api/v1/namespaces/default/pods', { body: 'kind: Pod\n  bad: [indent', contentType: 'application/yaml' });
    assert.equal(y.status, 400);
    assert.equal(await currentRevision(), before);
  });

  it('rejects unknown fields with Strict validation, warns with Warn', async () => {
    const strict = await api(server, 'POST', '/api/v1/namespaces/default/pods?fieldValidation=Strict', {
      body: { ...pod('strict'), spec: { containers: [{ name: 'c', image: 'busybox' }], bogus: true } },
    });
    assert.equal(strict.status, 400);
    assert.equal(strict.json<Status>().message, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.bogus"');
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/default/pods/strict')).status, 404);

    const warn = await api(server, 'POST', '/api/v1/namespaces/default/pods?fieldValidation=Warn', {
      body: { ...pod('warned'), spec: { containers: [{ name: 'c', image: 'busybox', bogus: 1 }] } },
    });
    assert.equal(warn.status, 201);
    assert.match(String(warn.headers.warning), /299 - "unknown field \\"spec\.containers\[0\]\.bogus\\""/);
    const stored = await api(server, 'GET', '/api/v1/namespaces/default/pods/warned');
    assert.equal(stored.json<{ spec: { containers: Record<string, unknown>[] } }>().spec.containers[0]!.bogus, undefined);
  });

  it('rejects invalid objects with 422 and field causes', async () => {
    const before = await currentRevision();
    const r = await api(server, 'POST', '/api/v1/namespaces/default/pods', {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'no-image' }, spec: { containers: [{ name: 'c' }] } },
    });
    assert.equal(r.status, 422);
    const s = r.json<Status>();
    assert.equal(s.reason, 'Invalid');
    assert.equal(s.message, 'Pod "no-image" is invalid: spec.containers[0].image: Required value');
    assert.deepEqual(
      s.details?.causes?.map((c) => c.field),
      ['spec.containers[0].image'],
    );
    const name = await api(server, 'POST', '/api/v1/namespaces/default/pods', { body: pod('UPPER') });
    assert.equal(name.status, 422);
    assert.match(name.json<Status>().message, /^Pod "UPPER" is invalid: metadata\.name: Invalid value: "UPPER": a lowercase RFC 1123 subdomain/);
    assert.equal(await currentRevision(), before);
  });

  it('rejects wrong kinds and unknown resources', async () => {
    const r = await api(server, 'POST', '/api/v1/namespaces/default/pods', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } });
    assert.equal(r.status, 400);
    const v = await api(server, 'POST', '/api/v1/namespaces/default/pods', { body: { ...pod('x'), apiVersion: 'apps/v1' } });
    assert.equal(v.status, 400);
    assert.match(v.json<Status>().message, /does not match the expected API version/);
    const unknown = await api(server, 'GET', '/api/v1/namespaces/default/widgets');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json<Status>().message, 'the server could not find the requested resource');
    const missingNs = await api(server, 'POST', '/api/v1/namespaces/nowhere/pods', { body: pod('x') });
    assert.equal(missingNs.status, 404);
    assert.equal(missingNs.json<Status>().message, 'namespaces "nowhere" not found');
  });

  it('rejects huge bodies with 413', async () => {
    const big = { ...pod('big'), metadata: { name: 'big', annotations: { a: 'x'.repeat(4 * 1024 * 1024) } } };
    const r = await api(server, 'POST', '/api/v1/namespaces/default/pods', { body: big });
    assert.equal(r.status, 413);
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/default/pods/big')).status, 404);
  });

  it('answers 409 Conflict for a stale resourceVersion and keeps the newer write', async () => {
    const created = await api(server, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cas' }, data: { v: '1' } },
    });
    assert.equal(created.status, 201);
    const obj = created.json<{ metadata: { resourceVersion: string }; data: Record<string, string> }>();
    const first = await api(server, 'PUT', '/api/v1/namespaces/default/configmaps/cas', { body: { ...obj, data: { v: '2' } } });
    assert.equal(first.status, 200);
    const stale = await api(server, 'PUT', '/api/v1/namespaces/default/configmaps/cas', { body: { ...obj, data: { v: '3' } } });
    assert.equal(stale.status, 409);
    assert.equal(
      stale.json<Status>().message,
      'Operation cannot be fulfilled on configmaps "cas": the object has been modified; please apply your changes to the latest version and try again',
    );
    const live = await api(server, 'GET', '/api/v1/namespaces/default/configmaps/cas');
    assert.equal(live.json<{ data: Record<string, string> }>().data.v, '2');
  });

  it('rejects bad selectors and bad resourceVersions', async () => {
    const sel = await api(server, 'GET', '/api/v1/pods?labelSelector=' + encodeURIComponent('a in (b'));
    assert.equal(sel.status, 400);
    const field = await api(server, 'GET', '/api/v1/pods?fieldSelector=spec.bogus%3Dx');
    assert.equal(field.status, 400);
    assert.equal(field.json<Status>().message, 'field label not supported: spec.bogus');
    const rv = await api(server, 'GET', '/api/v1/pods?resourceVersion=abc&resourceVersionMatch=Exact');
    assert.equal(rv.status, 400);
  });

  it('still serves after all of that', async () => {
    const r = await api(server, 'GET', '/api/v1/namespaces/default/pods');
    assert.equal(r.status, 200);
  });
});
