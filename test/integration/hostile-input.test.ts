// The hostile-input suite: thousands of generated malformed and hostile requests against a real
// server on loopback — bad JSON/YAML/protobuf, huge bodies, deep nesting, wrong kinds, path tricks,
// bad selectors, invalid patches, forged/expired/foreign-signed tokens, header abuse. Every answer
// must be a 4xx, the server must stay up, and the stored revision must not move. Counts are printed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign, createHmac } from 'node:crypto';
import { Agent, request } from 'node:https';
import { connect } from 'node:tls';
import { API_ONLY, api, kubectlOk, startServer, type TestServer } from './harness.ts';

interface Probe {
  readonly category: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** Bearer token; undefined = the admin token, null = none. */
  readonly token?: string | null;
}

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const rand = (n: number): number => Math.floor(Math.random() * n);
const CM_PATH = '/api/v1/namespaces/hostile/configmaps';

function jsonBodies(): string[] {
  const out = [
    '',
    ' ',
    '{',
    '}',
    '{"kind":',
    '[',
    'null',
    'true',
    '42',
    '"str"',
    '[]',
    '{"metadata":',
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":1}',
    '\u0000\u0001',
    '{"a":"\ud800"}',
    '{"metadata":{"name":' + '"a"'.repeat(3) + '}}',
  ];
  out.push('['.repeat(100_000) + ']'.repeat(100_000));
  out.push('{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000));
  out.push(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${'{"a":'.repeat(5000)}"x"${'}'.repeat(5000)}}`);
  for (let i = 0; i < 150; i++) out.push(randomBytes(1 + rand(300)).toString(i % 2 ? 'latin1' : 'utf8'));
  for (let i = 0; i < 100; i++) {
    const valid = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { k: 'v' } });
    out.push(valid.slice(0, rand(valid.length - 1)));
  }
  return out;
}

function wrongObjects(): string[] {
  const bad: unknown[] = [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wrong-kind' } },
    { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'wrong-group' } },
    { apiVersion: 'v9', kind: 'ConfigMap', metadata: { name: 'wrong-version' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Upper_Case' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a'.repeat(300) } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '../../etc' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'other' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { 'bad key!': 'v' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: 'not-a-map' },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { 'bad label': 'v' } } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: 'nope' },
  ];
  return bad.map((b) => JSON.stringify(b));
}

function yamlBodies(): string[] {
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 12; i++)
    laughs.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]`,
    );
  return [
    laughs.join('\n'),
    'kind: ConfigMap\n\tapiVersion: v1',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed',
    '--- !!python/object:os.system\nargs: [ls]',
    '? complex key\n: value',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: !!binary AAAA',
    '- a\n- b',
    'x: ' + '['.repeat(5000),
    ...Array.from({ length: 40 }, () => randomBytes(200).toString('latin1')),
  ];
}

function protobufBodies(): Buffer[] {
  const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
  const out: Buffer[] = [Buffer.alloc(0), magic, Buffer.from('k8s')];
  for (let i = 0; i < 150; i++) out.push(Buffer.concat([i % 3 ? magic : Buffer.alloc(0), randomBytes(rand(400))]));
  // Lengths that claim more than is there, and deep nesting of length-delimited fields.
  out.push(Buffer.concat([magic, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])]));
  let nested = Buffer.from([0x0a, 0x00]);
  for (let i = 0; i < 2000; i++) nested = Buffer.concat([Buffer.from([0x12]), varint(nested.length), nested]);
  out.push(Buffer.concat([magic, nested]));
  return out;
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    bytes.push(b);
  } while (n);
  return Buffer.from(bytes);
}

function pathTricks(): string[] {
  return [
    '/api/v1/namespaces/hostile/configmaps/..%2f..%2fsecrets',
    '/api/v1/namespaces/hostile/configmaps/%2e%2e',
    '/api/v1/namespaces/%2e%2e/configmaps/x',
    '/api/v1/namespaces/hostile/configmaps/%00',
    '/api/v1/namespaces/hostile/configmaps/%ZZ',
    '/api/v1/namespaces/hostile/configmaps/' + 'a'.repeat(5000),
    '/api/v1/namespaces/hostile/nothings',
    '/apis/nope.example.com/v1/things',
    '/apis/apps/v0/deployments',
    '/api/v2/pods',
    '/api/v1/namespaces/hostile/configmaps/x/y/z/w',
    '/api/v1/namespaces/hostile/pods/x/nosuchsub',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/api/v1/namespaces/hostile/configmaps/x%2Fy',
    '/api/v1/namespaces/hostile/configmaps/\u00e9',
    '/api/v1/nodes/x/status/extra',
  ];
}

function selectors(): string[] {
  // Only selectors upstream refuses too (`a!=`, `a in ()` and `metadata.name==` are valid there).
  const label = ['a in (', '!!a', '=====', 'a=b=c', 'a notin', 'a,,b', `${'a'.repeat(400)}=b`, 'a in (b,c', 'a=(b)', '!', ',', 'x/y/z=1', '-a=b'];
  const field = ['spec.foo=bar', 'metadata.name', '=x', 'status.phase!', 'a=b,c', 'metadata.namespace=a=b'];
  return [...label.map((s) => `labelSelector=${encodeURIComponent(s)}`), ...field.map((s) => `fieldSelector=${encodeURIComponent(s)}`)];
}

function patches(): { type: string; body: string }[] {
  const json = [
    '[{"op":"explode","path":"/data"}]',
    '[{"op":"replace","path":"/data/nope/deeper","value":1}]',
    '[{"op":"test","path":"/data/k","value":"other"}]',
    '[{"op":"remove","path":"/metadata/name"}]',
    '[{"op":"add","path":"no-slash","value":1}]',
    '{"op":"add"}',
    '[{"op":"move","from":"/data","path":"/data/k"}]',
    '[{"op":"replace","path":"/kind","value":"Secret"}]',
    '[{"op":"replace","path":"/metadata/name","value":"renamed"}]',
    '[{"op":"add","path":"/data/~2","value":"x"}]',
  ];
  const merge = ['[]', '"x"', '42', '{"metadata":{"name":"other"}}', '{"kind":"Secret"}', '{"data":{"k":1}}', '{"metadata":{"labels":{"bad label":"x"}}}'];
  const strategic = [
    '{"$patch":"explode"}',
    '{"data":{"$patch":"replace","k":5}}',
    '{"metadata":{"$deleteFromPrimitiveList/finalizers":"notalist"}}',
    '{"metadata":{"finalizers":[{"$patch":"delete"}]}}',
    '[1,2]',
  ];
  const apply = [
    'apiVersion: v1\nkind: Secret\nmetadata: {name: target}',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}',
    ':::',
    'kind: ConfigMap',
  ];
  return [
    ...json.map((body) => ({ type: 'application/json-patch+json', body })),
    ...merge.map((body) => ({ type: 'application/merge-patch+json', body })),
    ...strategic.map((body) => ({ type: 'application/strategic-merge-patch+json', body })),
    ...apply.map((body) => ({ type: 'application/apply-patch+yaml', body })),
    { type: 'text/plain', body: '{}' },
    { type: 'application/xml', body: '<a/>' },
  ];
}

function forgedTokens(adminToken: string): string[] {
  const now = Math.floor(Date.now() / 1000);
  const claims = (over: Record<string, unknown> = {}) => ({
    iss: 'https://kubernetes.default.svc.cluster.local',
    aud: ['https://kubernetes.default.svc.cluster.local'],
    sub: 'system:serviceaccount:kube-system:default',
    iat: now,
    nbf: now,
    exp: now + 3600,
    'kubernetes.io': { namespace: 'kube-system', serviceaccount: { name: 'default', uid: 'x' } },
    ...over,
  });
  const foreign = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const es256 = (c: unknown, header: unknown = { alg: 'ES256' }): string => {
    const input = `${b64(header)}.${b64(c)}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key: foreign, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
  const tokens = [
    `${b64({ alg: 'none' })}.${b64(claims())}.`,
    `${b64({ alg: 'none' })}.${b64(claims())}`,
    es256(claims()),
    es256(claims({ exp: now - 10 })),
    es256(claims({ iss: 'https://evil.example' })),
    es256(claims(), { alg: 'HS256' }),
    `${b64({ alg: 'HS256' })}.${b64(claims())}.${createHmac('sha256', 'secret').update('x').digest('base64url')}`,
    'a.b.c',
    '...',
    '.',
    `${'a'.repeat(20_000)}.${'b'.repeat(20_000)}.c`,
    `${adminToken}x`,
    adminToken.slice(1),
    `${adminToken.slice(0, -1)}${adminToken.endsWith('A') ? 'B' : 'A'}`,
    b64('{"alg":"ES256"'),
    `${b64({ alg: 'ES256' })}.${b64('not json')}.${b64('sig')}`,
    `${b64([1, 2])}.${b64(null)}.x`,
  ];
  for (let i = 0; i < 60; i++) tokens.push(randomBytes(10 + rand(100)).toString('base64url'));
  for (let i = 0; i < 40; i++) tokens.push(es256(claims({ sub: `system:serviceaccount:ns${i}:sa`, exp: now + rand(10_000) - 5000 })));
  return tokens;
}

async function send(server: TestServer, agent: Agent, p: Probe): Promise<number> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { Accept: 'application/json', ...(p.headers ?? {}) };
    const token = p.token === undefined ? server.token : p.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    if (p.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(p.body));
    // `path` as given: a URL object would normalise `%2e%2e` away on the client side.
    const u = new URL(server.url);
    const req = request({ hostname: u.hostname, port: u.port, path: p.path, method: p.method, headers, ca: server.ca, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(-1));
    });
    req.setTimeout(60_000, () => req.destroy());
    req.on('error', () => resolve(-1));
    req.end(p.body);
  });
}

/** Raw HTTP over TLS for requests Node's client refuses to build; returns the status line's code. */
function sendRaw(server: TestServer, raw: string | Buffer): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(server.url);
    const s = connect({ host: u.hostname, port: Number(u.port), ca: server.ca, servername: 'localhost' }, () => s.end(raw));
    let out = '';
    s.setEncoding('utf8');
    s.setTimeout(30_000, () => s.destroy());
    s.on('data', (d: string) => (out += d));
    s.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(out);
      resolve(m ? Number(m[1]) : 0);
    });
    s.on('error', () => {});
  });
}

describe('hostile input', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer({ args: API_ONLY });
    await kubectlOk(server, ['create', 'namespace', 'hostile']);
    await kubectlOk(server, ['-n', 'hostile', 'create', 'configmap', 'target', '--from-literal=k=v']);
  });

  after(async () => {
    await server?.stop();
  });

  it('answers thousands of malformed requests with 4xx, stays up and writes nothing', async () => {
    const revision = async (): Promise<string> =>
      (await api(server, 'GET', '/api/v1/namespaces?limit=1')).json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const before = await revision();
    const probes: Probe[] = [];
    const add = (category: string, p: Omit<Probe, 'category'>): void => {
      probes.push({ category, ...p });
    };
    for (let round = 0; round < 3; round++) {
      for (const body of jsonBodies())
        add('bad JSON', {
          method: round === 2 ? 'PUT' : 'POST',
          path: round === 2 ? `${CM_PATH}/target` : CM_PATH,
          body,
          headers: { 'Content-Type': 'application/json' },
        });
      for (const body of yamlBodies()) add('bad YAML', { method: 'POST', path: CM_PATH, body, headers: { 'Content-Type': 'application/yaml' } });
      for (const body of protobufBodies())
        add('bad protobuf', { method: 'POST', path: CM_PATH, body, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } });
      for (const body of wrongObjects())
        add('wrong kinds and invalid objects', { method: 'POST', path: CM_PATH, body, headers: { 'Content-Type': 'application/json' } });
      for (const path of pathTricks())
        for (const method of ['GET', 'DELETE', 'PUT', 'POST'])
          add('path tricks', {
            method,
            path,
            ...(method === 'PUT' || method === 'POST' ? { body: '{}', headers: { 'Content-Type': 'application/json' } } : {}),
          });
      for (const q of selectors()) add('bad selectors', { method: round === 1 ? 'DELETE' : 'GET', path: `${CM_PATH}?${q}` });
      for (const p of patches()) add('invalid patches', { method: 'PATCH', path: `${CM_PATH}/target`, body: p.body, headers: { 'Content-Type': p.type } });
      for (const token of forgedTokens(server.token)) add('forged and expired tokens', { method: 'DELETE', path: `${CM_PATH}/target`, token });
    }
    add('huge bodies', { method: 'POST', path: CM_PATH, body: Buffer.alloc(4 * 1024 * 1024, 0x61), headers: { 'Content-Type': 'application/json' } });
    add('huge bodies', {
      method: 'PATCH',
      path: `${CM_PATH}/target`,
      body: `{"data":{"k":"${'x'.repeat(4 * 1024 * 1024)}"}}`,
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    add('huge bodies', {
      method: 'POST',
      path: CM_PATH,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { k: 'x'.repeat(1024 * 1024 + 10) } }),
      headers: { 'Content-Type': 'application/json' },
    });
    for (let i = 0; i < 30; i++) {
      add('header abuse', { method: 'GET', path: `${CM_PATH}/target`, headers: { 'Impersonate-Group': 'system:masters' } });
      add('header abuse', {
        method: 'DELETE',
        path: `${CM_PATH}/target`,
        token: null,
        headers: { 'Impersonate-User': 'system:admin', 'Impersonate-Group': 'system:masters' },
      });
      add('header abuse', {
        method: 'POST',
        path: CM_PATH,
        body: '{}',
        headers: { 'Content-Type': 'application/json; charset=ebcdic; x=' + 'y'.repeat(i * 10) },
      });
      add('header abuse', { method: 'DELETE', path: `${CM_PATH}/target`, token: null, headers: { Authorization: `Basic ${b64('admin:admin')}` } });
      add('header abuse', { method: 'DELETE', path: `${CM_PATH}/target`, token: null, headers: { Authorization: 'Bearer' } });
    }

    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const counts = new Map<string, Map<number, number>>();
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < probes.length) {
        const p = probes[next++]!;
        const code = await send(server, agent, p);
        if (code < 400 || code >= 500)
          failures.push(`${code} ${p.method} ${p.path.slice(0, 120)} ${String(p.body ?? '').slice(0, 80)} ${JSON.stringify(p.headers ?? {}).slice(0, 80)}`);
        const byCode = counts.get(p.category) ?? new Map<number, number>();
        byCode.set(code, (byCode.get(code) ?? 0) + 1);
        counts.set(p.category, byCode);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    agent.destroy();

    // Requests Node's client will not build: broken framing, oversized headers, bad methods.
    const raw: [string, string | Buffer][] = [
      ['raw HTTP', `GET /api HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`],
      ['raw HTTP', 'POST /api/v1/namespaces/hostile/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Length: 20\r\n\r\n0123456789'],
      ['raw HTTP', 'POST /api/v1/namespaces/hostile/configmaps HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nzz\r\n'],
      ['raw HTTP', 'GET /api\x00 HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['raw HTTP', 'BREW /api HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['raw HTTP', `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
      ['raw HTTP', 'GET /api HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\n b\r\n\r\n'],
      [
        'raw HTTP',
        Buffer.concat([
          Buffer.from('POST /api/v1/namespaces/hostile/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n'),
          Buffer.from([0xff, 0xfe, 0x00]),
        ]),
      ],
    ];
    for (const [category, r] of raw) {
      const code = await sendRaw(server, r);
      const byCode = counts.get(category) ?? new Map<number, number>();
      byCode.set(code, (byCode.get(code) ?? 0) + 1);
      counts.set(category, byCode);
    }

    const rows = [...counts].map(([category, byCode]) => ({
      category,
      requests: [...byCode.values()].reduce((a, b) => a + b, 0),
      statuses: [...byCode]
        .sort((a, b) => a[0] - b[0])
        .map(([c, n]) => `${c}×${n}`)
        .join(' '),
    }));
    const total = rows.reduce((a, r) => a + r.requests, 0);
    console.log(`hostile input: ${total} requests`);
    console.table(rows);

    const bad = [...counts].flatMap(([category, byCode]) => [...byCode].filter(([c]) => c < 400 || c >= 500).map(([c, n]) => `${category}: ${c}×${n}`));
    assert.deepEqual(bad, [], `every hostile request must get a 4xx; first ones:\n${failures.slice(0, 40).join('\n')}`);
    assert.ok(total >= 2000, `only ${total} requests generated`);
    assert.equal((await api(server, 'GET', '/healthz', { token: null })).status, 200);
    assert.equal(server.proc.exitCode, null, 'server exited');
    assert.equal(await revision(), before, 'the stored revision moved');
    const target = await api(server, 'GET', `${CM_PATH}/target`);
    assert.deepEqual(target.json<{ data: unknown }>().data, { k: 'v' });
  });
});
