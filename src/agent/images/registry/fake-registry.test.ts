// The registry client against a small in-process registry that speaks the Bearer token flow and
// Docker schema 2 media types (Debian's docker-registry only does htpasswd Basic), and serves a
// corrupt layer on demand.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ImageStore } from '../image-store.ts';
import { keyringFromSecrets } from './credentials.ts';
import { hostPlatform, MEDIA } from './manifest.ts';
import { ImagePuller } from './puller.ts';
import { skipUnlessCI } from '../../../../test/skip-unless-ci.ts';

const ZSTD = '/usr/bin/zstd';
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('registry client: Bearer tokens, Docker manifest lists, digest verification', () => {
  let server: Server;
  let host = '';
  let dir = '';
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { type: string; body: Buffer }>();
  const tokenRequests: string[] = [];
  let corrupt = false;
  /** A valid gzip tar served instead of the layer when `corrupt`. */
  let other = Buffer.alloc(0);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peapod-fake-reg-'));
    const tar = execFileSync('tar', ['-cf', '-', '-C', import.meta.dirname, 'image-ref.ts']);
    const layer = execFileSync('gzip', ['-n', '-c'], { input: tar });
    blobs.set(sha(layer), layer);
    other = execFileSync('gzip', ['-n', '-c'], { input: execFileSync('tar', ['-cf', '-', '-C', import.meta.dirname, 'auth.ts']) });
    const config = Buffer.from(JSON.stringify({ config: { Cmd: ['cat'] }, rootfs: { type: 'layers', diff_ids: [sha(tar)] } }));
    blobs.set(sha(config), config);
    const image = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.dockerManifest,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: sha(layer), size: layer.length }],
      }),
    );
    manifests.set(sha(image), { type: MEDIA.dockerManifest, body: image });
    const list = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.dockerList,
        manifests: [
          {
            mediaType: MEDIA.dockerManifest,
            digest: `sha256:${'0'.repeat(64)}`,
            size: 1,
            platform: { os: 'windows', architecture: hostPlatform().architecture },
          },
          { mediaType: MEDIA.dockerManifest, digest: sha(image), size: image.length, platform: { os: 'linux', architecture: hostPlatform().architecture } },
        ],
      }),
    );
    manifests.set('1.0', { type: MEDIA.dockerList, body: list });
    if (existsSync(ZSTD)) {
      const ztar = execFileSync('tar', ['-cf', '-', '-C', import.meta.dirname, 'manifest.ts']);
      const zlayer = execFileSync(ZSTD, ['-q', '-c'], { input: ztar });
      blobs.set(sha(zlayer), zlayer);
      const zconfig = Buffer.from(JSON.stringify({ config: { Cmd: ['zstd'] }, rootfs: { type: 'layers', diff_ids: [sha(ztar)] } }));
      blobs.set(sha(zconfig), zconfig);
      manifests.set('zstd', {
        type: MEDIA.ociManifest,
        body: Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: MEDIA.ociManifest,
            config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(zconfig), size: zconfig.length },
            layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: sha(zlayer), size: zlayer.length }],
          }),
        ),
      });
    }
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') {
        tokenRequests.push(`${url.searchParams.get('scope')} ${req.headers.authorization ?? 'anonymous'}`);
        const ok = req.headers.authorization === `Basic ${Buffer.from('bob:pw').toString('base64')}`;
        res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' }).end(ok ? JSON.stringify({ token: 'tok-bob' }) : '{}');
        return;
      }
      if (req.headers.authorization !== 'Bearer tok-bob') {
        res
          .writeHead(401, {
            'WWW-Authenticate': `Bearer realm="http://${host}/token",service="fake",scope="repository:team/app:pull"`,
            'Content-Type': 'application/json',
          })
          .end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      const m = /^\/v2\/team\/app\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
      const found = m?.[1] === 'manifests' ? manifests.get(m[2]!) : m ? { type: 'application/octet-stream', body: blobs.get(m[2]!) } : undefined;
      if (!found?.body) {
        res.writeHead(404).end();
        return;
      }
      let body = found.body;
      if (corrupt && m?.[1] === 'blobs' && m[2] === sha(layer)) body = other;
      res.writeHead(200, { 'Content-Type': found.type, 'Content-Length': body.length }).end(body);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  after(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const secret = (user: string, pw: string) =>
    keyringFromSecrets([
      {
        type: 'kubernetes.io/dockercfg',
        data: {
          '.dockercfg': Buffer.from(JSON.stringify({ [`http://${host}`]: { auth: Buffer.from(`${user}:${pw}`).toString('base64') } })).toString('base64'),
        },
      },
    ]);

  test("a bad password gets no token: the 401 is reported with the registry's message", async () => {
    const puller = new ImagePuller({ store: new ImageStore({ dataDir: join(dir, 's0') }) });
    await assert.rejects(puller.pull(`${host}/team/app:1.0`, { keyring: secret('bob', 'wrong') }), /401 Unauthorized: unauthorized: authentication required$/);
  });

  test('the token flow with dockercfg credentials; a manifest list resolves to linux/<this arch>', async () => {
    tokenRequests.length = 0;
    const store = new ImageStore({ dataDir: join(dir, 's1') });
    const { image } = await new ImagePuller({ store }).pull(`${host}/team/app:1.0`, { keyring: secret('bob', 'pw') });
    assert.deepEqual(image.config.cmd, ['cat']);
    assert.equal(tokenRequests.length, 1, 'one token serves the whole pull');
    assert.equal(tokenRequests[0], `repository:team/app:pull Basic ${Buffer.from('bob:pw').toString('base64')}`);
  });

  test('zstd layers decode through the zstd command (Node 20 has no zstd)', {
    skip: skipUnlessCI(existsSync(ZSTD) ? false : 'needs the zstd command'),
  }, async () => {
    const store = new ImageStore({ dataDir: join(dir, 'sz') });
    const { image } = await new ImagePuller({ store }).pull(`${host}/team/app:zstd`, { keyring: secret('bob', 'pw') });
    assert.deepEqual(image.config.cmd, ['zstd']);
    assert.ok(existsSync(join(store.layerDirs(image)[0]!, 'manifest.ts')));
  });

  test('a layer whose bytes do not match its digest never becomes visible', async () => {
    corrupt = true;
    try {
      const store = new ImageStore({ dataDir: join(dir, 's2') });
      await assert.rejects(
        new ImagePuller({ store }).pull(`${host}/team/app:1.0`, { keyring: secret('bob', 'pw') }),
        /unexpected commit digest sha256:[a-f0-9]{64}, expected sha256:/,
      );
      assert.deepEqual(await readdir(join(dir, 's2', 'layers')).catch(() => []), []);
      assert.deepEqual(await store.list(), []);
    } finally {
      corrupt = false;
    }
  });
});
