// The registry client against a real registry (Debian's docker-registry on loopback): pulls land in
// the content-addressed store with whiteouts honoured, indexes resolve to this machine, auth
// works from pull secrets and registries.yaml, failures read like containerd's. Root only
// (overlay whiteouts are character devices).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { ImageStore, mountRootfs, unmountRootfs } from '../../src/agent/images/index.ts';
import { keyringFromSecrets } from '../../src/agent/images/registry/credentials.ts';
import { InvalidImageNameError } from '../../src/agent/images/registry/image-ref.ts';
import { ImagePuller } from '../../src/agent/images/registry/puller.ts';
import { loadRegistriesConfig } from '../../src/agent/images/registry/registry-config.ts';
import { buildImageLayout, hostArch, pushLayout, registrySkipReason, startRegistry, type TestRegistry } from './registry-fixture.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';

const PEAPOD = resolve(import.meta.dirname, '../../bin/peapod.js');
const esc = (x: string): string => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const skip = skipUnlessCI(process.getuid?.() !== 0 ? 'needs root (overlay whiteouts, mounts)' : registrySkipReason());

describe('image puller against a real registry', { skip, timeout: 120_000 }, () => {
  let dir = '';
  let reg: TestRegistry;
  let priv: TestRegistry;
  let store: ImageStore;
  let requests: string[] = [];
  let puller: ImagePuller;
  let webDigest = '';
  let layers: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peapod-pull-'));
    reg = await startRegistry();
    priv = await startRegistry({ auth: { user: 'alice', password: 's3cret' } });
    const layout = await buildImageLayout(dir, {
      layers: [
        { busybox: true, files: { 'data/keep': 'keep', 'data/gone': 'gone', 'opq/old': 'old' } },
        { files: { 'data/.wh.gone': '', 'opq/.wh..wh..opq': '', 'opq/new': 'new' } },
        { files: { 'app/run.sh': 'echo hello\n' } },
      ],
      config: { Entrypoint: ['/bin/sh'], Cmd: ['/app/run.sh'], Env: ['PATH=/bin', 'GREETING=hi'], WorkingDir: '/app', User: '65534', StopSignal: 'SIGINT' },
      otherPlatform: hostArch() === 'arm64' ? 'amd64' : 'arm64',
    });
    webDigest = pushLayout(layout, `${reg.host}/team/web:1.0`);
    pushLayout(layout, `${priv.host}/team/private:1.0`, { creds: 'alice:s3cret' });
    layers = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')).manifests.map((m: { digest: string }) => m.digest);
    store = new ImageStore({ dataDir: join(dir, 'store') });
    puller = new ImagePuller({ store, onRequest: (_m, url) => requests.push(url) });
  });

  after(async () => {
    await unmountRootfs(join(dir, 'c1')).catch(() => undefined);
    await reg?.destroy();
    await priv?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  test('an index resolves to this platform; config, names and repo digest are recorded', async () => {
    const { image, digest, size } = await puller.pull(`${reg.host}/team/web:1.0`);
    assert.equal(digest, webDigest);
    assert.ok(layers.includes(webDigest));
    assert.deepEqual(image.names, [`${reg.host}/team/web:1.0`]);
    assert.deepEqual(image.repoDigests, [`${reg.host}/team/web@${webDigest}`]);
    assert.deepEqual(image.config, {
      entrypoint: ['/bin/sh'],
      cmd: ['/app/run.sh'],
      env: ['PATH=/bin', 'GREETING=hi', `PLATFORM=${hostArch()}`],
      workingDir: '/app',
      user: '65534',
      stopSignal: 'SIGINT',
    });
    assert.equal(image.layers.length, 3);
    assert.ok(size > 0);
    assert.equal((await store.resolve(`${reg.host}/team/web@${webDigest}`)).id, image.id);
  });

  test('whiteouts and opaque dirs hide lower files in the container rootfs', async () => {
    const image = await store.resolve(`${reg.host}/team/web:1.0`);
    const rootfs = await mountRootfs(join(dir, 'c1'), store.layerDirs(image));
    assert.deepEqual((await readdir(join(rootfs, 'data'))).sort(), ['keep']);
    assert.deepEqual((await readdir(join(rootfs, 'opq'))).sort(), ['new']);
    assert.equal(await readFile(join(rootfs, 'app/run.sh'), 'utf8'), 'echo hello\n');
    assert.ok(existsSync(join(rootfs, 'bin/sh')));
    await unmountRootfs(join(dir, 'c1'));
  });

  test('present layers are not downloaded again; concurrent pulls of one image download once', async () => {
    const s2 = new ImageStore({ dataDir: join(dir, 'store2') });
    const p2 = new ImagePuller({ store: s2 });
    const blobGets = (): number =>
      reg
        .log()
        .split('\n')
        .filter((l) => l.includes('"GET /v2/team/web/blobs/sha256:')).length;
    const before = blobGets();
    const [a, b] = await Promise.all([p2.pull(`${reg.host}/team/web:1.0`), p2.pull(`${reg.host}/team/web:1.0`)]);
    assert.equal(a.image.id, b.image.id);
    for (const l of (await s2.resolve(`${reg.host}/team/web:1.0`)).layers) assert.ok(s2.hasLayer(l));
    const after = blobGets();
    assert.equal(after - before, 4, 'config + 3 layers, each once');
    requests = [];
    await puller.pull(`${reg.host}/team/web:1.0`);
    assert.ok(
      requests.every((u) => !u.includes('/blobs/') || u.endsWith(a.image.id)),
      `only the config blob is fetched again: ${requests.join(' ')}`,
    );
  });

  test('a private registry answers 401 without credentials; pull secrets and registries.yaml both work', async () => {
    const ref = `${priv.host}/team/private:1.0`;
    await assert.rejects(puller.pull(ref), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(
          `failed to resolve reference "${ref.replace(/[.]/g, '\\.')}": unexpected status from GET request to http://${priv.host.replace(/[.]/g, '\\.')}/v2/team/private/manifests/1.0: 401 Unauthorized`,
        ),
      );
      return true;
    });
    const secret = {
      type: 'kubernetes.io/dockerconfigjson',
      data: {
        '.dockerconfigjson': Buffer.from(
          JSON.stringify({ auths: { [priv.host]: { username: 'alice', password: 's3cret', auth: Buffer.from('alice:s3cret').toString('base64') } } }),
        ).toString('base64'),
      },
    };
    const pulled = await puller.pull(ref, { keyring: keyringFromSecrets([secret]) });
    assert.ok(pulled.image.names.includes(ref));
    await writeFile(join(dir, 'registries.yaml'), `configs:\n  "${priv.host}":\n    auth:\n      username: alice\n      password: s3cret\n`);
    const fromFile = new ImagePuller({
      store: new ImageStore({ dataDir: join(dir, 'store3') }),
      registries: () => loadRegistriesConfig(join(dir, 'registries.yaml')),
    });
    assert.equal((await fromFile.pull(ref)).digest, pulled.digest);
  });

  test('a mirror in registries.yaml serves another registry name', async () => {
    await writeFile(join(dir, 'mirrors.yaml'), `mirrors:\n  docker.io:\n    endpoint:\n      - "http://${reg.host}"\n`);
    const mirrored = new ImagePuller({ store, registries: () => loadRegistriesConfig(join(dir, 'mirrors.yaml')) });
    const { image } = await mirrored.pull('team/web:1.0');
    assert.ok(image.names.includes('team/web:1.0'));
  });

  test('peapod image pull / ls / rm share the store with import', async () => {
    const data = join(dir, 'cli');
    const run = (args: string[]) => spawnSync(process.execPath, [PEAPOD, 'image', ...args, '--data-dir', data], { encoding: 'utf8' });
    const pulled = run(['pull', `${priv.host}/team/private:1.0`, '--creds', 'alice:s3cret']);
    assert.equal(pulled.status, 0, pulled.stderr);
    assert.match(pulled.stdout, new RegExp(String.raw`^Digest: sha256:[a-f0-9]{64}\nPulled: ${esc(priv.host)}/team/private:1\.0 \(`));
    assert.match(pulled.stderr, /3\/3 layers/);
    const denied = run(['pull', `${priv.host}/team/private:1.0`]);
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /^peapod image pull: failed to resolve reference .*401 Unauthorized/);
    assert.match(run(['ls']).stdout, new RegExp(String.raw`${esc(priv.host)}/team/private\s+1\.0\s+[a-f0-9]{12}`));
    const removed = run(['rm', `${priv.host}/team/private:1.0`]);
    assert.equal(removed.status, 0, removed.stderr);
    assert.match(removed.stdout, /^Untagged: .*\nDeleted: sha256:/);
    assert.doesNotMatch(run(['ls']).stdout, /team\/private/);
    assert.deepEqual(await readdir(join(data, 'images', 'layers')), [], 'unused layers are removed');
    assert.equal(run(['rm', 'nope:1']).status, 1);
  });

  test('missing tags, unreachable registries and bad names fail with clear messages', async () => {
    await assert.rejects(puller.pull(`${reg.host}/team/web:nope`), {
      message: `failed to resolve reference "${reg.host}/team/web:nope": ${reg.host}/team/web:nope: not found`,
    });
    await assert.rejects(puller.pull('127.0.0.1:1/team/web:1.0'), /dial tcp 127\.0\.0\.1:1: connect: connection refused/);
    await assert.rejects(puller.pull('Team/Web'), InvalidImageNameError);
  });
});
