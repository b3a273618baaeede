import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';
import { PatchError } from './patch-error.ts';
import { fakeNavigator, POD, DEPLOYMENT } from './fake-navigator.test-helper.ts';
import type { Json } from './json.ts';
import { dig, names } from './dig.test-helper.ts';

const smp = (doc: Json, patch: Json, schema = POD) => applyStrategicMergePatch(doc, patch, { schema, navigator: fakeNavigator });

const pod = (): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'a', tier: 'web' }, finalizers: ['a/x'] },
  spec: {
    containers: [
      {
        name: 'c',
        image: 'busybox:1',
        ports: [
          { containerPort: 80, protocol: 'TCP' },
          { containerPort: 53, protocol: 'UDP' },
        ],
      },
      { name: 'side', image: 'sidecar:1' },
    ],
    tolerations: [{ key: 'a', operator: 'Exists' }],
  },
});

test("kubectl's second apply: $setElementOrder plus a changed container image", () => {
  const doc = { ...(pod() as object), spec: { containers: [{ name: 'c', image: 'busybox:1' }] } };
  const out = smp(doc, {
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}\n' } },
    spec: { '$setElementOrder/containers': [{ name: 'c' }], containers: [{ image: 'busybox:2', name: 'c' }] },
  });
  assert.deepEqual(out, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      labels: { app: 'a', tier: 'web' },
      finalizers: ['a/x'],
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}\n' },
    },
    spec: { containers: [{ name: 'c', image: 'busybox:2' }] },
  });
});

test('containers merge by name: update in place, append new; input untouched', () => {
  const doc = pod();
  const before = structuredClone(doc);
  const out = smp(doc, {
    spec: {
      containers: [
        { name: 'new', image: 'n' },
        { name: 'c', image: 'busybox:2' },
      ],
    },
  });
  assert.deepEqual(
    (dig(out, 'spec', 'containers') as Json[]).map((c) => [dig(c, 'name'), dig(c, 'image')]),
    [
      ['c', 'busybox:2'],
      ['side', 'sidecar:1'],
      ['new', 'n'],
    ],
  );
  assert.equal((dig(out, 'spec', 'containers', 0, 'ports') as Json[]).length, 2);
  assert.deepEqual(doc, before);
});

test('ports merge by containerPort', () => {
  const out = smp(pod(), { spec: { containers: [{ name: 'c', ports: [{ containerPort: 53, name: 'dns' }, { containerPort: 8080 }] }] } });
  assert.deepEqual(dig(out, 'spec', 'containers', 0, 'ports'), [
    { containerPort: 80, protocol: 'TCP' },
    { containerPort: 53, protocol: 'UDP', name: 'dns' },
    { containerPort: 8080 },
  ]);
});

test('$patch: delete removes one list element', () => {
  const out = smp(pod(), { spec: { containers: [{ name: 'side', $patch: 'delete' }] } });
  assert.deepEqual(names(dig(out, 'spec', 'containers')), ['c']);
});

test('$patch: replace on a list element replaces the whole list', () => {
  const out = smp(pod(), { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'o' }] } });
  assert.deepEqual(dig(out, 'spec', 'containers'), [{ name: 'only', image: 'o' }]);
});

test('$patch: replace on a map replaces it, $patch: delete empties it', () => {
  const out = smp(pod(), { metadata: { labels: { $patch: 'replace', x: 'y' } } });
  assert.deepEqual(dig(out, 'metadata', 'labels'), { x: 'y' });
  const out2 = smp(pod(), { metadata: { labels: { $patch: 'delete' } } });
  assert.deepEqual(dig(out2, 'metadata', 'labels'), {});
});

test('$setElementOrder reorders; server-only items keep their relative place', () => {
  const doc = { spec: { containers: [{ name: 'a' }, { name: 's' }, { name: 'b' }] } };
  const out = smp(doc, { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } });
  assert.deepEqual(names(dig(out, 'spec', 'containers')), ['s', 'b', 'a']);
  const out2 = smp(doc, { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'c' }, { name: 'b' }], containers: [{ name: 'c' }] } });
  assert.deepEqual(names(dig(out2, 'spec', 'containers')), ['a', 's', 'c', 'b']);
});

test('null deletes a key', () => {
  const out = smp(pod(), { metadata: { labels: { tier: null, gone: null } }, spec: { tolerations: null } });
  assert.deepEqual(dig(out, 'metadata', 'labels'), { app: 'a' });
  assert.equal(dig(out, 'spec', 'tolerations') !== undefined, false);
});

test('tolerations are atomic: replaced', () => {
  const out = smp(pod(), { spec: { tolerations: [{ key: 'b', operator: 'Equal' }] } });
  assert.deepEqual(dig(out, 'spec', 'tolerations'), [{ key: 'b', operator: 'Equal' }]);
});

test('finalizers merge as a set; $deleteFromPrimitiveList removes', () => {
  const out = smp(pod(), { metadata: { finalizers: ['b/y', 'a/x'] } });
  assert.deepEqual(dig(out, 'metadata', 'finalizers'), ['a/x', 'b/y']);
  const out2 = smp(out, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a/x'] } });
  assert.deepEqual(dig(out2, 'metadata', 'finalizers'), ['b/y']);
  const out3 = smp(out, { metadata: { '$setElementOrder/finalizers': ['b/y', 'a/x'] } });
  assert.deepEqual(dig(out3, 'metadata', 'finalizers'), ['b/y', 'a/x']);
});

test('$retainKeys drops keys not listed (Deployment strategy switch)', () => {
  const dep = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
  const out = smp(dep, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, DEPLOYMENT);
  assert.deepEqual(dig(out, 'spec', 'strategy'), { type: 'Recreate' });
});

test('volumes (merge,retainKeys): an item switches its source', () => {
  const doc = {
    spec: {
      volumes: [
        { name: 'v', emptyDir: {} },
        { name: 'w', emptyDir: {} },
      ],
    },
  };
  const out = smp(doc, { spec: { volumes: [{ name: 'v', configMap: { name: 'cm' }, $retainKeys: ['configMap', 'name'] }] } });
  assert.deepEqual(dig(out, 'spec', 'volumes'), [
    { name: 'v', configMap: { name: 'cm' } },
    { name: 'w', emptyDir: {} },
  ]);
});

test('unknown fields merge like a JSON merge patch', () => {
  const out = smp({ spec: { extra: { a: 1, b: [1, 2] } } }, { spec: { extra: { a: null, b: [3], c: 'x' } } });
  assert.deepEqual(dig(out, 'spec', 'extra'), { b: [3], c: 'x' });
  const out2 = smp({ x: { y: [1] } }, { x: { y: [2] } }, 'io.example.Unknown');
  assert.deepEqual(out2, { x: { y: [2] } });
});

test('errors: missing merge key, bad directive', () => {
  assert.throws(
    () => smp(pod(), { spec: { containers: [{ image: 'x' }] } }),
    (e: unknown) => e instanceof PatchError && /does not contain declared merge key: name/.test(e.message),
  );
  assert.throws(() => smp(pod(), { metadata: { $patch: 'frob' } }), PatchError);
  assert.throws(
    () => smp(pod(), [1]),
    (e: unknown) => e instanceof PatchError && e.code === 400,
  );
});

test('status conditions merge by type', () => {
  const doc = {
    status: {
      conditions: [
        { type: 'Ready', status: 'False' },
        { type: 'PodScheduled', status: 'True' },
      ],
    },
  };
  const out = smp(doc, { status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  assert.deepEqual(dig(out, 'status', 'conditions'), [
    { type: 'Ready', status: 'True' },
    { type: 'PodScheduled', status: 'True' },
  ]);
});
