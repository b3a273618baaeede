// Pods from images in real registries (Debian's docker-registry on loopback, images pushed by
// skopeo): a Deployment becomes Available, the image's own config applies, a private registry
// needs a pull secret, pull policies behave as upstream, failures read clearly and recover.
// Root only (real containers).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { eventually, kubectl, type TestServer } from '../integration/harness.ts';
import { deletePodsAndStop, destroyTestNode, e2eSkipReason, getPod, startNodeServer, waitPod, type TestNode } from './e2e-harness.ts';
import { buildImageLayout, hostArch, pushLayout, registrySkipReason, startRegistry, type ImageSpec, type TestRegistry } from './registry-fixture.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';

const skip = skipUnlessCI(e2eSkipReason() || registrySkipReason());

const APP: ImageSpec = {
  layers: [
    { busybox: true, files: { 'data/keep': 'keep', 'data/gone': 'gone' } },
    { files: { 'data/.wh.gone': '' } },
    { files: { 'app/run.sh': 'echo "platform=$PLATFORM greeting=$GREETING pwd=$(pwd) uid=$(id -u) args=$*"; ls /data; exec sleep 3600\n' } },
  ],
  config: { Entrypoint: ['/bin/sh', '/app/run.sh'], Cmd: ['from-image'], Env: ['PATH=/bin', 'GREETING=hello'], WorkingDir: '/app', User: '65534' },
  otherPlatform: hostArch() === 'arm64' ? 'amd64' : 'arm64',
};

function podJson(name: string, image: string, extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image, ...container }], ...extra },
  });
}

const waiting = (p: Pod) => p.status?.containerStatuses?.[0]?.state?.waiting;
const running = (p: Pod) => p.status?.containerStatuses?.[0]?.state?.running !== undefined;

describe('images from real registries', { skip, timeout: 300_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;
  let reg: TestRegistry;
  let priv: TestRegistry;
  let dir = '';
  let appLayout = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peapod-imgs-'));
    reg = await startRegistry();
    priv = await startRegistry({ auth: { user: 'alice', password: 's3cret' } });
    appLayout = await buildImageLayout(dir, APP);
    pushLayout(appLayout, `${reg.host}/team/web:1.0`);
    pushLayout(appLayout, `${priv.host}/team/private:1.0`, { creds: 'alice:s3cret' });
    ({ node, server } = await startNodeServer('images'));
  });

  after(async () => {
    if (server) {
      await kubectl(server, ['delete', 'deployment', '--all', '--wait=false']);
      await deletePodsAndStop(server, node);
    }
    if (node) await destroyTestNode(node);
    await reg?.destroy();
    await priv?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('kubectl create deployment from a freshly pushed image becomes Available', async () => {
    const created = await kubectl(server!, ['create', 'deployment', 'web', `--image=${reg.host}/team/web:1.0`, '--', 'sleep', '3600']);
    assert.equal(created.code, 0, created.stderr);
    const avail = await kubectl(server!, ['wait', '--for=condition=Available', 'deployment/web', '--timeout=90s']);
    assert.equal(avail.code, 0, avail.stdout + avail.stderr);
    // Events are written asynchronously (the agent sends its own a moment after they happen).
    const events = await eventually(
      'the Pulled event',
      async () => {
        const r = await kubectl(server!, ['get', 'events', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
        return r.stdout.includes('Pulled: ') ? r.stdout : undefined;
      },
      10_000,
      200,
    );
    assert.match(events, new RegExp(`Pulling: Pulling image "${reg.host.replace(/\./g, '\\.')}/team/web:1\\.0"`));
    assert.match(events, /Pulled: Successfully pulled image ".*team\/web:1\.0" in [\d.]+m?s \([\d.]+m?s including waiting\)\. Image size: \d+ bytes\./);
    await eventually(
      'node status.images lists the pulled image',
      async () => {
        const r = await kubectl(server!, ['get', 'node', node.nodeName, '-o', 'jsonpath={.status.images[*].names}']);
        return r.stdout.includes(`${reg.host}/team/web:1.0`) && r.stdout.includes(`${reg.host}/team/web@sha256:`);
      },
      30_000,
      500,
    );
  });

  test("the image's Entrypoint/Cmd/Env/WorkingDir/User apply, the index resolves to this platform, whiteouts hide files", async () => {
    const applied = await kubectl(server!, ['apply', '-f', '-'], { input: podJson('own-config', `${reg.host}/team/web:1.0`) });
    assert.equal(applied.code, 0, applied.stderr);
    const pod = await waitPod(server!, 'own-config', 'running', running, 90_000);
    const id = pod.status?.containerStatuses?.[0]?.imageID ?? '';
    assert.match(id, new RegExp(`^${reg.host.replace(/\./g, '\\.')}/team/web@sha256:[a-f0-9]{64}$`));
    const logs = await eventually('logs', async () => {
      const l = (await kubectl(server!, ['logs', 'own-config'])).stdout;
      return l.includes('keep') ? l : undefined;
    });
    assert.equal(logs, `platform=${hostArch()} greeting=hello pwd=/app uid=65534 args=from-image\nkeep\n`);
  });

  test('a private registry: 401 without a secret (ErrImagePull, then ImagePullBackOff); runs with one', async () => {
    const image = `${priv.host}/team/private:1.0`;
    await kubectl(server!, ['apply', '-f', '-'], { input: podJson('nosecret', image) });
    // ErrImagePull lasts about a second before the back-off shows; a poll can miss it under load,
    // the pod's events (what `kubectl describe pod` lists) cannot.
    const backedOff = await waitPod(server!, 'nosecret', 'ImagePullBackOff', (p) => waiting(p)?.reason === 'ImagePullBackOff');
    assert.equal(waiting(backedOff)?.message, `Back-off pulling image "${image}"`);
    const events = await eventually('Failed events', async () => {
      const out = (
        await kubectl(server!, [
          'get',
          'events',
          '--field-selector',
          'involvedObject.name=nosecret',
          '-o',
          'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}',
        ])
      ).stdout;
      return out.includes('Error: ErrImagePull') ? out : undefined;
    });
    assert.match(events, new RegExp(`Failed: Failed to pull image "${image.replace(/\./g, '\\.')}": .*401 Unauthorized`));
    const secret = await kubectl(server!, [
      'create',
      'secret',
      'docker-registry',
      'regcred',
      `--docker-server=${priv.host}`,
      '--docker-username=alice',
      '--docker-password=s3cret',
    ]);
    assert.equal(secret.code, 0, secret.stderr);
    await kubectl(server!, ['apply', '-f', '-'], { input: podJson('withsecret', image, { imagePullSecrets: [{ name: 'regcred' }] }) });
    await waitPod(server!, 'withsecret', 'running', running, 90_000);
  });

  test('Always pulls a moved tag (new imageID); Never without the image → ErrImageNeverPull; IfNotPresent makes no registry call', async () => {
    const first = await buildImageLayout(dir, { ...APP, config: { ...APP.config, Env: ['PATH=/bin', 'GREETING=v1'] } });
    pushLayout(first, `${reg.host}/team/moving:1`);
    await kubectl(server!, ['apply', '-f', '-'], { input: podJson('always1', `${reg.host}/team/moving:1`, {}, { imagePullPolicy: 'Always' }) });
    const a = await waitPod(server!, 'always1', 'running', running, 90_000);
    const second = await buildImageLayout(dir, { ...APP, config: { ...APP.config, Env: ['PATH=/bin', 'GREETING=v2'] } });
    pushLayout(second, `${reg.host}/team/moving:1`);
    await kubectl(server!, ['apply', '-f', '-'], { input: podJson('always2', `${reg.host}/team/moving:1`, {}, { imagePullPolicy: 'Always' }) });
    const b = await waitPod(server!, 'always2', 'running', running, 90_000);
    const idA = a.status?.containerStatuses?.[0]?.imageID;
    const idB = b.status?.containerStatuses?.[0]?.imageID;
    assert.ok(idA && idB && idA !== idB, `${idA} vs ${idB}`);

    await kubectl(server!, ['apply', '-f', '-'], { input: podJson('never', `${reg.host}/team/absent:1`, {}, { imagePullPolicy: 'Never' }) });
    const never = await waitPod(server!, 'never', 'ErrImageNeverPull', (p) => waiting(p)?.reason === 'ErrImageNeverPull');
    assert.equal(waiting(never)?.message, `Container image "${reg.host}/team/absent:1" is not present with pull policy of Never`);

    const requestsBefore = reg
      .log()
      .split('\n')
      .filter((l) => l.includes('"GET /v2/team/moving/')).length;
    await kubectl(server!, ['apply', '-f', '-'], { input: podJson('present', `${reg.host}/team/moving:1`, {}, { imagePullPolicy: 'IfNotPresent' }) });
    await waitPod(server!, 'present', 'running', running, 90_000);
    const requestsAfter = reg
      .log()
      .split('\n')
      .filter((l) => l.includes('"GET /v2/team/moving/')).length;
    assert.equal(requestsAfter, requestsBefore, 'no registry request for a present image');
  });

  test('a bad reference → InvalidImageName', async () => {
    await kubectl(server!, ['apply', '-f', '-'], { input: podJson('badref', `${reg.host}/Team/Web:1.0`) });
    const p = await waitPod(server!, 'badref', 'InvalidImageName', (x) => waiting(x)?.reason === 'InvalidImageName');
    assert.match(waiting(p)?.message ?? '', /couldn't parse image name .*must be lowercase/);
  });

  test('two pods pulling one image at once download each blob once', async () => {
    // A layer of its own, so the pods really have layers to download (the others are present).
    const layout = await buildImageLayout(dir, { ...APP, layers: [...APP.layers, { files: { twins: randomBytes(64 << 10).toString('hex') } }] });
    pushLayout(layout, `${reg.host}/team/twins:1`);
    for (const n of ['twin-a', 'twin-b']) await kubectl(server!, ['apply', '-f', '-'], { input: podJson(n, `${reg.host}/team/twins:1`) });
    for (const n of ['twin-a', 'twin-b']) await waitPod(server!, n, 'running', running, 90_000);
    const gets = reg
      .log()
      .split('\n')
      .filter((l) => l.includes('"GET /v2/team/twins/blobs/sha256:'));
    const digests = gets.map((l) => /blobs\/(sha256:[a-f0-9]+)/.exec(l)?.[1]);
    assert.equal(new Set(digests).size, digests.length, `each blob fetched once: ${digests.join(' ')}`);
    assert.equal(digests.length, 2, 'the config and the new layer');
  });

  test('an unreachable registry: clear message, retried with back-off, Running once it is back', async () => {
    const flaky = await startRegistry();
    try {
      pushLayout(appLayout, `${flaky.host}/team/flaky:1`);
      await flaky.stop();
      await kubectl(server!, ['apply', '-f', '-'], { input: podJson('flaky', `${flaky.host}/team/flaky:1`) });
      // As above: the pull's reason is read from the pod's events, the back-off from its status.
      await waitPod(server!, 'flaky', 'ImagePullBackOff', (x) => waiting(x)?.reason === 'ImagePullBackOff');
      const events = await eventually('Failed event', async () => {
        const out = (
          await kubectl(server!, [
            'get',
            'events',
            '--field-selector',
            'involvedObject.name=flaky',
            '-o',
            'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}',
          ])
        ).stdout;
        return out.includes('Error: ErrImagePull') ? out : undefined;
      });
      assert.match(events, new RegExp(`Failed: Failed to pull image .*dial tcp ${flaky.host.replace(/\./g, '\\.')}: connect: connection refused`));
      await flaky.start();
      await waitPod(server!, 'flaky', 'running after the registry is back', running, 90_000);
      assert.ok((await getPod(server!, 'own-config'))?.status?.containerStatuses?.[0]?.state?.running, 'other pods unharmed');
    } finally {
      await flaky.destroy();
    }
  });
});
