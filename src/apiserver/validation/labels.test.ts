import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isQualifiedName, isValidLabelValue, validateAnnotations, validateLabels } from './labels.ts';

test('qualified names', () => {
  assert.deepEqual(isQualifiedName('app'), []);
  assert.deepEqual(isQualifiedName('example.com/app.name_1'), []);
  assert.deepEqual(isQualifiedName('/app'), ['prefix part must be non-empty']);
  assert.deepEqual(isQualifiedName('a/b/c').length, 1);
  assert.equal(
    isQualifiedName('-bad')[0],
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  );
});

test('label values', () => {
  assert.deepEqual(isValidLabelValue(''), []);
  assert.deepEqual(isValidLabelValue('v1.2_x'), []);
  assert.equal(isValidLabelValue('a'.repeat(64))[0], 'must be no more than 63 characters');
});

test('labels are reported at the map path', () => {
  const errs = validateLabels({ ok: 'yes', 'bad key': 'x' }, 'metadata.labels');
  assert.equal(errs.length, 1);
  assert.match(errs[0]?.toString() ?? '', /^metadata\.labels: Invalid value: "bad key": name part must consist/);
});

test('annotations: size limit', () => {
  assert.deepEqual(validateAnnotations({ a: 'b' }, 'metadata.annotations'), []);
  const errs = validateAnnotations({ big: 'x'.repeat(256 * 1024) }, 'metadata.annotations');
  assert.equal(errs[0]?.type, 'FieldValueTooLong');
});
