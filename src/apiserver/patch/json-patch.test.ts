import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';
import { PatchError } from './patch-error.ts';
import type { Json } from './json.ts';

const doc: Json = { metadata: { name: 'p', labels: { a: '1' } }, spec: { list: [1, 2, 3] } };

test('json patch: add, remove, replace, move, copy, test; input untouched', () => {
  const before = structuredClone(doc);
  const out = applyJsonPatch(doc, [
    { op: 'test', path: '/metadata/name', value: 'p' },
    { op: 'add', path: '/metadata/labels/b~1c', value: '2' },
    { op: 'replace', path: '/metadata/labels/a', value: 'x' },
    { op: 'add', path: '/spec/list/-', value: 4 },
    { op: 'add', path: '/spec/list/0', value: 0 },
    { op: 'remove', path: '/spec/list/1' },
    { op: 'copy', from: '/metadata/name', path: '/spec/name' },
    { op: 'move', from: '/spec/name', path: '/metadata/annotations' },
  ]);
  assert.deepEqual(out, {
    metadata: { name: 'p', labels: { a: 'x', 'b/c': '2' }, annotations: 'p' },
    spec: { list: [0, 2, 3, 4] },
  });
  assert.deepEqual(doc, before);
});

test('json patch: failures are PatchError with upstream-like messages', () => {
  assert.throws(
    () => applyJsonPatch(doc, [{ op: 'test', path: '/metadata/name', value: 'q' }]),
    (e: unknown) => e instanceof PatchError && e.code === 422 && e.message === 'testing value /metadata/name failed: test failed',
  );
  assert.throws(
    () => applyJsonPatch(doc, [{ op: 'add', path: '/spec/a/b', value: 1 }]),
    (e: unknown) => e instanceof PatchError && /doc is missing path: "\/spec\/a\/b"/.test(e.message),
  );
  assert.throws(() => applyJsonPatch(doc, [{ op: 'remove', path: '/spec/nope' }]), PatchError);
  assert.throws(() => applyJsonPatch(doc, [{ op: 'replace', path: '/spec/list/9', value: 1 }]), PatchError);
  assert.throws(
    () => applyJsonPatch(doc, { op: 'add' }),
    (e: unknown) => e instanceof PatchError && e.code === 400,
  );
  assert.throws(
    () => applyJsonPatch(doc, [{ op: 'frob', path: '/a' }]),
    (e: unknown) => e instanceof PatchError && e.code === 400,
  );
});

test('merge patch: RFC 7396 examples', () => {
  const target: Json = { a: 'b', c: { d: 'e', f: 'g' } };
  assert.deepEqual(applyMergePatch(target, { a: 'z', c: { f: null } }), { a: 'z', c: { d: 'e' } });
  assert.deepEqual(target, { a: 'b', c: { d: 'e', f: 'g' } });
  assert.deepEqual(applyMergePatch({ a: [{ b: 'c' }] }, { a: [1] }), { a: [1] });
  assert.deepEqual(applyMergePatch({ a: 'foo' }, 'bar'), 'bar');
  assert.deepEqual(applyMergePatch({ e: null }, { a: 1 }), { e: null, a: 1 });
  assert.deepEqual(applyMergePatch(['a', 'b'], { a: 'b' }), { a: 'b' });
  assert.deepEqual(applyMergePatch({}, { a: { bb: { ccc: null } } }), { a: { bb: {} } });
});
