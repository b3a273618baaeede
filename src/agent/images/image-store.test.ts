import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ImageStore, mountRootfs, normalizeReference, unmountRootfs, type ImportProgress } from './index.ts';
import { skipUnlessCI } from '../../../test/skip-unless-ci.ts';

const skip = skipUnlessCI(process.getuid?.() !== 0 ? 'needs root (overlay whiteouts, mounts)' : !existsSync('/bin/busybox') ? 'needs busybox-static' : false);

test('references normalise like docker', () => {
  assert.equal(normalizeReference('busybox'), 'busybox:latest');
  assert.equal(normalizeReference('docker.io/library/busybox:1.36'), 'busybox:1.36');
  assert.equal(normalizeReference('index.docker.io/library/busybox'), 'busybox:latest');
  assert.equal(normalizeReference('docker.io/me/app'), 'me/app:latest');
  assert.equal(normalizeReference('localhost:5000/app'), 'localhost:5000/app:latest');
  assert.equal(normalizeReference('app@sha256:abc'), 'app@sha256:abc');
});

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const tar = (args: string[]) => execFileSync('tar', args);

describe('image store', { skip }, () => {
  let dir = '';
  let store: ImageStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peapod-img-'));
    store = new ImageStore({ dataDir: join(dir, 'store') });
  });
  after(async () => {
    for (const c of ['c1']) await unmountRootfs(join(dir, c)).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  test('busybox image from the host binary, reachable under docker-style aliases', async () => {
    const img = await store.ensureBusyboxImage();
    assert.deepEqual(img.names, ['busybox:latest']);
    assert.deepEqual(img.config.cmd, ['sh']);
    const again = await store.ensureBusyboxImage();
    assert.equal(again.id, img.id);
    for (const ref of ['busybox', 'busybox:1.36', 'docker.io/library/busybox:latest', img.id]) {
      assert.equal((await store.resolve(ref)).id, img.id, ref);
    }
    await assert.rejects(store.resolve('nginx'), { name: 'ImageNotFoundError' });
    const [layer] = store.layerDirs(img);
    assert.ok(layer && existsSync(join(layer, 'bin/httpd')));
    assert.match(await readFile(join(layer, 'etc/passwd'), 'utf8'), /^root:x:0:0:/);
  });

  test('docker save archive with whiteouts: overlay rootfs shows the merged view', async () => {
    const src = join(dir, 'src');
    await mkdir(join(src, 'l1/a'), { recursive: true });
    await mkdir(join(src, 'l1/d'), { recursive: true });
    await writeFile(join(src, 'l1/a/keep'), 'keep');
    await writeFile(join(src, 'l1/a/gone'), 'gone');
    await writeFile(join(src, 'l1/d/old'), 'old');
    await mkdir(join(src, 'l2/a'), { recursive: true });
    await mkdir(join(src, 'l2/d'), { recursive: true });
    await writeFile(join(src, 'l2/a/.wh.gone'), '');
    await writeFile(join(src, 'l2/d/.wh..wh..opq'), '');
    await writeFile(join(src, 'l2/d/new'), 'new');
    const arch = join(dir, 'docker');
    await mkdir(join(arch, 'l1'), { recursive: true });
    await mkdir(join(arch, 'l2'), { recursive: true });
    tar(['-cf', join(arch, 'l1/layer.tar'), '-C', join(src, 'l1'), '.']);
    tar(['-cf', join(arch, 'l2/layer.tar'), '-C', join(src, 'l2'), '.']);
    const config = {
      config: { Entrypoint: ['/bin/app'], Cmd: ['--serve'], Env: ['A=1'], WorkingDir: '/srv', User: '1000', StopSignal: 'SIGINT' },
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha(join(arch, 'l1/layer.tar'))}`, `sha256:${sha(join(arch, 'l2/layer.tar'))}`] },
    };
    await writeFile(join(arch, 'cfg.json'), JSON.stringify(config));
    await writeFile(
      join(arch, 'manifest.json'),
      JSON.stringify([{ Config: 'cfg.json', RepoTags: ['example.com/app:v1'], Layers: ['l1/layer.tar', 'l2/layer.tar'] }]),
    );
    tar(['-cf', join(dir, 'docker.tar'), '-C', arch, '.']);

    const progress: ImportProgress[] = [];
    const [img] = await store.importArchive(join(dir, 'docker.tar'), (p) => progress.push(p));
    assert.ok(img);
    assert.deepEqual(img.names, ['example.com/app:v1']);
    assert.deepEqual(img.config, { entrypoint: ['/bin/app'], cmd: ['--serve'], env: ['A=1'], workingDir: '/srv', user: '1000', stopSignal: 'SIGINT' });
    assert.deepEqual(
      progress.map((p) => p.phase),
      ['extract', 'layer', 'layer', 'done'],
    );
    assert.equal((await store.list()).length, 2);

    const rootfs = await mountRootfs(join(dir, 'c1'), store.layerDirs(img));
    assert.deepEqual((await readdir(join(rootfs, 'a'))).sort(), ['keep']);
    assert.deepEqual((await readdir(join(rootfs, 'd'))).sort(), ['new']);
    await writeFile(join(rootfs, 'a/written'), 'x');
    await unmountRootfs(join(dir, 'c1'));
    assert.equal(existsSync(join(dir, 'c1/upper/a/written')), true, 'writes land in the upper dir');
    assert.equal(existsSync(join(store.layerDirs(img)[0]!, 'a/written')), false, 'layers stay untouched');
  });

  test('OCI layout archive with a gzip layer', async () => {
    const oci = join(dir, 'oci');
    const blobs = join(oci, 'blobs/sha256');
    await mkdir(blobs, { recursive: true });
    await mkdir(join(dir, 'ol/etc'), { recursive: true });
    await writeFile(join(dir, 'ol/etc/motd'), 'hi');
    tar(['-czf', join(dir, 'layer.tgz'), '-C', join(dir, 'ol'), '.']);
    const plainDigest = createHash('sha256')
      .update(execFileSync('gzip', ['-dc', join(dir, 'layer.tgz')]))
      .digest('hex');
    const put = async (content: Buffer | string) => {
      const d = createHash('sha256').update(content).digest('hex');
      await writeFile(join(blobs, d), content);
      return { digest: `sha256:${d}`, size: Buffer.byteLength(content) };
    };
    const layer = await put(readFileSync(join(dir, 'layer.tgz')));
    const cfg = await put(JSON.stringify({ config: { Cmd: ['cat', '/etc/motd'] }, rootfs: { type: 'layers', diff_ids: [`sha256:${plainDigest}`] } }));
    const manifest = await put(
      JSON.stringify({
        schemaVersion: 2,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      }),
    );
    await writeFile(join(oci, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(
      join(oci, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'io.containerd.image.name': 'docker.io/library/motd:v2' } },
        ],
      }),
    );
    tar(['-cf', join(dir, 'oci.tar'), '-C', oci, '.']);
    const [img] = await store.importArchive(join(dir, 'oci.tar'));
    assert.deepEqual(img?.names, ['motd:v2']);
    assert.deepEqual(img?.config.cmd, ['cat', '/etc/motd']);
    assert.equal((await store.resolve('motd:v2')).layers[0], `sha256:${plainDigest}`);
    assert.equal(await readFile(join(store.layerDirs(img!)[0]!, 'etc/motd'), 'utf8'), 'hi');
  });
});
