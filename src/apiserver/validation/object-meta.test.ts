import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nameIsDNSLabel } from './names.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.ts';

const strs = (errs: { toString(): string }[]) => errs.map((e) => e.toString());

test('name required unless generateName', () => {
  assert.deepEqual(strs(validateObjectMeta({ namespace: 'default' }, { namespaced: true })), [
    'metadata.name: Required value: name or generateName is required',
  ]);
  assert.deepEqual(validateObjectMeta({ name: 'x', namespace: 'default' }, { namespaced: true }), []);
  assert.deepEqual(validateObjectMeta({ generateName: 'x-', namespace: 'default' }, { namespaced: true }), []);
  assert.match(
    strs(validateObjectMeta({ generateName: 'Web-', namespace: 'default' }, { namespaced: true }))[0] ?? '',
    /^metadata\.generateName: Invalid value: "Web-"/,
  );
});

test('name format', () => {
  const errs = strs(validateObjectMeta({ name: 'Bad_Name', namespace: 'default' }, { namespaced: true }));
  assert.equal(errs.length, 1);
  assert.match(errs[0] ?? '', /^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  const label = strs(validateObjectMeta({ name: 'a.b' }, { namespaced: false, nameValidator: nameIsDNSLabel }));
  assert.match(label[0] ?? '', /RFC 1123 label/);
});

test('namespace required iff namespaced', () => {
  assert.deepEqual(strs(validateObjectMeta({ name: 'x' }, { namespaced: true })), ['metadata.namespace: Required value']);
  assert.deepEqual(strs(validateObjectMeta({ name: 'x', namespace: 'a' }, { namespaced: false })), ['metadata.namespace: Forbidden: not allowed on this type']);
});

test('labels and annotations are checked', () => {
  const errs = validateObjectMeta({ name: 'x', namespace: 'd', labels: { 'a/b/c': 'v' }, annotations: { '-x': '' } }, { namespaced: true });
  assert.deepEqual(
    errs.map((e) => e.field),
    ['metadata.labels', 'metadata.annotations'],
  );
});

test('immutable fields on update', () => {
  const old = { name: 'x', namespace: 'd', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z' };
  assert.deepEqual(validateObjectMetaUpdate({ ...old, labels: { a: 'b' } }, old), []);
  assert.deepEqual(validateObjectMetaUpdate({ name: 'x', namespace: 'd' }, old), []);
  assert.deepEqual(strs(validateObjectMetaUpdate({ ...old, name: 'y', uid: 'u2' }, old)), [
    'metadata.name: Invalid value: "y": field is immutable',
    'metadata.uid: Invalid value: "u2": field is immutable',
  ]);
  assert.deepEqual(strs(validateObjectMetaUpdate({ ...old, creationTimestamp: '2025-01-01T00:00:00Z' }, old)), [
    'metadata.creationTimestamp: Invalid value: "2025-01-01T00:00:00Z": field is immutable',
  ]);
});

test('no new finalizers while deleting', () => {
  const old = { name: 'x', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['a/b'] };
  const errs = validateObjectMetaUpdate({ ...old, finalizers: ['a/b', 'c/d'] }, old);
  assert.equal(
    errs[0]?.toString(),
    'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"c/d"}',
  );
});
