import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyringFromSecrets } from './credentials.ts';
import { canonicalRef, familiarRef, InvalidImageNameError, parseImageRef } from './image-ref.ts';
import { endpointsFor, isLoopbackHost, parseRegistriesConfig } from './registry-config.ts';

const D = `sha256:${'a'.repeat(64)}`;

test('references normalise as Docker does', () => {
  const cases: [string, string, string][] = [
    ['nginx', 'docker.io/library/nginx:latest', 'nginx:latest'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25', 'nginx:1.25'],
    ['index.docker.io/library/nginx', 'docker.io/library/nginx:latest', 'nginx:latest'],
    ['me/app', 'docker.io/me/app:latest', 'me/app:latest'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
    ['127.0.0.1:5000/team/web:1.0', '127.0.0.1:5000/team/web:1.0', '127.0.0.1:5000/team/web:1.0'],
    [`ghcr.io/a/b@${D}`, `ghcr.io/a/b@${D}`, `ghcr.io/a/b@${D}`],
    [`nginx:1.25@${D}`, `docker.io/library/nginx:1.25@${D}`, `nginx:1.25@${D}`],
  ];
  for (const [input, canonical, familiar] of cases) {
    const r = parseImageRef(input);
    assert.equal(canonicalRef(r), canonical, input);
    assert.equal(familiarRef(r), familiar, input);
  }
  assert.equal(parseImageRef(`a@${D}`).tag, undefined, 'a digest reference gets no default tag');
});

test("bad references are InvalidImageName errors with Docker's wording", () => {
  for (const bad of ['', ' nginx', 'nginx:', 'a b', 'nginx@sha256:abc', 'a//b', 'UPPER', '-x', 'x:-tag']) {
    assert.throws(() => parseImageRef(bad), InvalidImageNameError, JSON.stringify(bad));
  }
  assert.throws(() => parseImageRef('Nginx'), { message: 'couldn\'t parse image name "Nginx": repository name (library/Nginx) must be lowercase' });
  assert.throws(() => parseImageRef('a b'), { message: 'couldn\'t parse image name "a b": invalid reference format' });
});

test('registries.yaml: mirrors first, then the registry; loopback is plain HTTP', async () => {
  const cfg = parseRegistriesConfig({
    mirrors: { 'docker.io': { endpoint: ['http://127.0.0.1:5000/', 'https://mirror.example/v2'] } },
    configs: { 'mirror.example': { auth: { auth: Buffer.from('u:p:w').toString('base64') }, tls: { insecure_skip_verify: true } } },
  });
  assert.deepEqual(cfg.configs['mirror.example']?.auth, { username: 'u', password: 'p:w', identityToken: undefined });
  const eps = await endpointsFor('docker.io', cfg);
  assert.deepEqual(
    eps.map((e) => [e.url, e.insecureSkipVerify]),
    [
      ['http://127.0.0.1:5000', undefined],
      ['https://mirror.example', true],
      ['https://registry-1.docker.io', undefined],
    ],
  );
  assert.deepEqual(
    (await endpointsFor('localhost:5000', cfg)).map((e) => e.url),
    ['http://localhost:5000'],
  );
  assert.deepEqual(
    (await endpointsFor('ghcr.io', cfg)).map((e) => e.url),
    ['https://ghcr.io'],
  );
  assert.equal(isLoopbackHost('[::1]:5000'), true);
  assert.equal(isLoopbackHost('10.0.0.1:5000'), false);
  assert.throws(() => parseRegistriesConfig({ mirrors: { x: { endpoint: 'http://a' } } }), /mirrors\.x\.endpoint must be a list/);
});

test('pull secrets: dockerconfigjson and dockercfg, Docker Hub keys, other secret types ignored', () => {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64');
  const ring = keyringFromSecrets([
    { type: 'Opaque', data: { '.dockerconfigjson': b64({ auths: { 'x.io': { username: 'no' } } }) } },
    {
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': b64({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') } } }) },
    },
    { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64({ 'reg.local:5000': { username: 'a', password: 'b' } }) } },
    { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': 'not base64 json' } },
  ]);
  assert.deepEqual([...ring.keys()].sort(), ['docker.io', 'reg.local:5000']);
  assert.deepEqual(ring.get('docker.io'), { username: 'hub', password: 'pw', identityToken: undefined });
});
