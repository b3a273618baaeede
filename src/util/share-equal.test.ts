import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shareEqual } from './share-equal.ts';

const decode = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('shareEqual', () => {
  const pod = {
    metadata: { name: 'web-1', resourceVersion: '10', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'busybox', args: ['sleep', '1'] }], nodeName: 'n1' },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
  };

  it('keeps the cached parts an update did not change, and the changed parts from the update', () => {
    const prev = decode(pod);
    const update = decode(pod);
    update.metadata.resourceVersion = '11';
    update.status.phase = 'Running';
    update.status.conditions.push({ type: 'Ready', status: 'True' });
    const got = shareEqual(prev, update);
    assert.deepEqual(got, update);
    assert.notEqual(got, prev);
    assert.equal(got.spec, prev.spec);
    assert.equal(got.metadata.labels, prev.metadata.labels);
    assert.notEqual(got.metadata, prev.metadata);
    assert.equal(got.status.conditions[0], prev.status.conditions[0]);
    assert.notEqual(got.status.conditions, prev.status.conditions);
    // The cached version is left as it was.
    assert.deepEqual(prev, pod);
  });

  it('returns the cached object when nothing changed', () => {
    const prev = decode(pod);
    assert.equal(shareEqual(prev, decode(pod)), prev);
  });

  it('tells apart a removed key, an added key, a shorter array and a changed type', () => {
    const prev = decode(pod);
    const removed = decode(pod) as { metadata: { labels?: unknown } };
    delete removed.metadata.labels;
    assert.deepEqual(shareEqual(prev, removed as typeof prev).metadata, { name: 'web-1', resourceVersion: '10' });
    const added = decode(pod) as typeof pod & { metadata: { annotations?: unknown } };
    added.metadata.annotations = { a: 'b' };
    assert.deepEqual(shareEqual(prev, added).metadata, { ...pod.metadata, annotations: { a: 'b' } });
    const shorter = decode(pod);
    shorter.spec.containers[0]!.args = ['sleep'];
    assert.deepEqual(shareEqual(prev, shorter).spec.containers[0]!.args, ['sleep']);
    const retyped = decode(pod) as unknown as { spec: { nodeName: unknown } };
    retyped.spec.nodeName = { name: 'n1' };
    assert.deepEqual(shareEqual(prev, retyped as unknown as typeof prev).spec.nodeName, { name: 'n1' });
    assert.deepEqual(shareEqual<unknown>(['a'], { 0: 'a' }), { 0: 'a' });
    assert.deepEqual(shareEqual<unknown>(null, {}), {});
  });

  it('leaves a frozen update alone', () => {
    const prev = decode(pod);
    const frozen = Object.freeze(decode(pod));
    assert.equal(shareEqual(prev, frozen), frozen);
  });
});
