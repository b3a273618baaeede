import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Container, PodStatus, Secret } from 'kubernetes-types/core/v1.js';
import { isBuiltinImage, type PodImages } from '../images/index.ts';
import { goDurationMs } from './image-pull.ts';
import { harness, makePod } from './testing.ts';

/** A node image service whose registry is a map of reference → digest; pulls can be made to fail. */
class FakeImages implements PodImages {
  readonly present = new Map<string, string>();
  readonly registry = new Map<string, string>();
  readonly pulls: { ref: string; secrets: string[] }[] = [];
  failWith: string | undefined;
  isBuiltin = isBuiltinImage;
  async find(ref: string): Promise<{ id: string } | undefined> {
    if (this.isBuiltin(ref)) return { id: 'sha256:busybox' };
    const d = this.present.get(ref);
    return d ? { id: `${ref.split(':')[0]}@${d}` } : undefined;
  }
  async pull(ref: string, opts: { secrets: readonly Secret[] }): Promise<{ id: string; size: number; pullMs: number }> {
    this.pulls.push({ ref, secrets: opts.secrets.map((s) => s.metadata?.name ?? '') });
    if (this.failWith) throw new Error(this.failWith);
    const d = this.registry.get(ref);
    if (!d) throw new Error(`failed to pull and unpack image "${ref}": not found`);
    this.present.set(ref, d);
    return { id: `${ref.split(':')[0]}@${d}`, size: 1234, pullMs: 1200 };
  }
}

const c = (image: string, extra: Partial<Container> = {}): Container => ({ name: 'app', image, ...extra });
const st = (s: PodStatus) => s.containerStatuses?.[0];

describe('kubelet image pulls in the pod worker', () => {
  test('IfNotPresent pulls once, then uses the present image without a pull; imageID is repo@digest', async () => {
    const images = new FakeImages();
    images.registry.set('reg.local/web:1.0', 'sha256:aaa');
    const h = await harness({ images });
    h.manager.onPodUpdate(makePod('a', { containers: [c('reg.local/web:1.0', { imagePullPolicy: 'IfNotPresent' })] }));
    await h.manager.settled();
    assert.ok(st(h.api.last('a'))?.state?.running);
    assert.equal(st(h.api.last('a'))?.imageID, 'reg.local/web@sha256:aaa');
    const msgs = h.api.events.filter((e) => e.name === 'a').map((e) => `${e.reason}: ${e.message}`);
    assert.ok(msgs.includes('Pulling: Pulling image "reg.local/web:1.0"'), msgs.join('\n'));
    assert.ok(msgs.includes('Pulled: Successfully pulled image "reg.local/web:1.0" in 1.2s (0s including waiting). Image size: 1234 bytes.'), msgs.join('\n'));
    h.manager.onPodUpdate(makePod('b', { containers: [c('reg.local/web:1.0', { imagePullPolicy: 'IfNotPresent' })] }));
    await h.manager.settled();
    assert.equal(images.pulls.length, 1, 'no pull for a present image');
    assert.ok(
      h.api.events.some((e) => e.name === 'b' && e.reason === 'Pulled' && e.message === 'Container image "reg.local/web:1.0" already present on machine'),
    );
  });

  test('Always pulls again and picks up a moved tag; busybox is never pulled whatever the policy', async () => {
    const images = new FakeImages();
    images.registry.set('reg.local/web:1.0', 'sha256:aaa');
    images.present.set('reg.local/web:1.0', 'sha256:aaa');
    images.registry.set('reg.local/web:1.0', 'sha256:bbb');
    const h = await harness({ images });
    h.manager.onPodUpdate(makePod('a', { containers: [c('reg.local/web:1.0', { imagePullPolicy: 'Always' })] }));
    h.manager.onPodUpdate(makePod('bb', { containers: [c('busybox', { imagePullPolicy: 'Always' })] }));
    await h.manager.settled();
    assert.equal(st(h.api.last('a'))?.imageID, 'reg.local/web@sha256:bbb');
    assert.ok(st(h.api.last('bb'))?.state?.running);
    assert.deepEqual(
      images.pulls.map((p) => p.ref),
      ['reg.local/web:1.0'],
    );
  });

  test('a failed pull: ErrImagePull with the reason, then ImagePullBackOff, retried after the back-off', async () => {
    const images = new FakeImages();
    images.failWith = 'failed to resolve reference "reg.local/p:1": unexpected status from GET request to http://reg.local/v2/p/manifests/1: 401 Unauthorized';
    const h = await harness({ images });
    h.api.secrets.set('default/creds', { metadata: { name: 'creds' }, type: 'kubernetes.io/dockerconfigjson', data: {} });
    h.manager.onPodUpdate(makePod('p', { containers: [c('reg.local/p:1')], imagePullSecrets: [{ name: 'creds' }, { name: 'absent' }] }));
    await h.manager.settled();
    assert.deepEqual(st(h.api.last('p'))?.state?.waiting, { reason: 'ErrImagePull', message: `Failed to pull image "reg.local/p:1": ${images.failWith}` });
    assert.deepEqual(images.pulls[0]?.secrets, ['creds']);
    assert.ok(h.api.events.some((e) => e.reason === 'Failed' && e.type === 'Warning' && e.message.includes('401 Unauthorized')));
    await h.advance(1_000);
    assert.deepEqual(st(h.api.last('p'))?.state?.waiting, { reason: 'ImagePullBackOff', message: 'Back-off pulling image "reg.local/p:1"' });
    assert.equal(images.pulls.length, 1, 'no pull during the back-off');
    await h.advance(9_000);
    assert.equal(images.pulls.filter((x) => x.ref === 'reg.local/p:1').length, 2, 'retried after 10 s');
    assert.equal(st(h.api.last('p'))?.state?.waiting?.reason, 'ErrImagePull');
    images.failWith = undefined;
    images.registry.set('reg.local/p:1', 'sha256:ccc');
    await h.advance(15_000);
    assert.equal(st(h.api.last('p'))?.state?.waiting?.reason, 'ImagePullBackOff', 'the second delay is 20 s');
    assert.equal(images.pulls.length, 2);
    await h.advance(6_000);
    assert.ok(st(h.api.last('p'))?.state?.running, 'runs once the registry lets it pull');
  });

  test('Never with a missing image, and a bad reference', async () => {
    const images = new FakeImages();
    const h = await harness({ images });
    h.manager.onPodUpdate(makePod('n', { containers: [c('reg.local/gone:1', { imagePullPolicy: 'Never' })] }));
    h.manager.onPodUpdate(makePod('bad', { containers: [c('Reg.Local/UPPER:1')] }));
    await h.manager.settled();
    assert.deepEqual(st(h.api.last('n'))?.state?.waiting, {
      reason: 'ErrImageNeverPull',
      message: 'Container image "reg.local/gone:1" is not present with pull policy of Never',
    });
    const bad = st(h.api.last('bad'))?.state?.waiting;
    assert.equal(bad?.reason, 'InvalidImageName');
    assert.match(bad?.message ?? '', /^Failed to apply default image tag "Reg.Local\/UPPER:1": couldn't parse image name "Reg.Local\/UPPER:1": /);
    assert.equal(images.pulls.length, 0);
  });
});

test('Go durations truncated to milliseconds', () => {
  assert.deepEqual([0, 5, 1200, 1234, 61_500, 3_725_000].map(goDurationMs), ['0s', '5ms', '1.2s', '1.234s', '1m1.5s', '1h2m5s']);
});
