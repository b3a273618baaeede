// Structural schema validation, pruning, defaulting, CEL rules, JSONPath and naming of custom
// resources, checked against upstream's paths and wording.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { celErrors } from './cel-rules.ts';
import { computeNames } from './crd-names.ts';
import type { Crd } from './crd-types.ts';
import { compareVersions } from './crd-types.ts';
import { validateCrd } from './crd-validation.ts';
import { evalJsonPath, parseJsonPath } from './json-path.ts';
import { applyDefaults, prune } from './schema-defaults.ts';
import type { JSONSchemaProps } from './schema-types.ts';
import { validateSchema } from './schema-validation.ts';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 2, maxLength: 5, pattern: '^[a-z]+$' },
        port: { 'x-kubernetes-int-or-string': true },
        when: { type: 'string', format: 'date-time' },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', maxItems: 3 },
        ports: {
          type: 'array',
          items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        },
        size: { type: 'number', minimum: 1, exclusiveMaximum: true, maximum: 10, default: 3 },
        opt: { type: 'string', nullable: true },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        labels: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 1 },
        nested: { type: 'object', default: {}, properties: { level: { type: 'string', default: 'info' } } },
      },
    },
  },
};

const errs = (value: unknown) => validateSchema(schema, value).map(String);

test('type, required, lengths, pattern, formats and ranges use upstream paths and wording', () => {
  assert.deepEqual(errs({ spec: {} }), ['spec.name: Required value']);
  assert.deepEqual(errs({ spec: { name: 7 } }), ['spec.name: Invalid value: "integer": spec.name in body must be of type string: "integer"']);
  assert.deepEqual(errs({ spec: { name: 'abcdefg' } }), ['spec.name: Too long: may not be more than 5 bytes']);
  assert.deepEqual(errs({ spec: { name: 'A1' } }), [`spec.name: Invalid value: "A1": spec.name in body should match '^[a-z]+$'`]);
  assert.deepEqual(errs({ spec: { name: 'ab', when: 'yesterday' } }), [
    'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
  ]);
  assert.deepEqual(errs({ spec: { name: 'ab', size: 10 } }), ['spec.size: Invalid value: 10: spec.size in body should be less than 10']);
  assert.deepEqual(errs({ spec: { name: 'ab', size: 0.5 } }), ['spec.size: Invalid value: 0.5: spec.size in body should be greater than or equal to 1']);
  assert.deepEqual(errs({ spec: { name: 'ab', opt: null, port: 'http' } }), []);
  assert.deepEqual(errs({ spec: { name: 'ab', port: 1.5 } }), [
    'spec.port: Invalid value: "number": spec.port in body must be of type integer-or-string: "number"',
  ]);
  assert.deepEqual(errs({ spec: { name: 'ab', labels: { a: 'x', b: 'y' } } }), ['spec.labels: Too many: 2: must have at most 1 items']);
});

test('embedded resources need apiVersion and kind, and keep them when pruned', () => {
  const s: JSONSchemaProps = {
    type: 'object',
    properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } } },
  };
  assert.deepEqual(validateSchema(s, { template: { spec: {} } }).map(String), [
    'template.apiVersion: Required value: must not be empty',
    'template.kind: Required value: must not be empty',
  ]);
  const obj = { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: {}, junk: 1 } };
  prune(s, obj);
  assert.deepEqual(obj, { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: {} } });
});

test('list types: set items and map keys are unique', () => {
  assert.deepEqual(errs({ spec: { name: 'ab', tags: ['a', 'b', 'a'] } }), ['spec.tags[2]: Duplicate value: "a"']);
  assert.deepEqual(
    errs({
      spec: {
        name: 'ab',
        ports: [
          { name: 'x', port: 1 },
          { name: 'x', port: 2 },
        ],
      },
    }),
    ['spec.ports[1]: Duplicate value: {"name":"x"}'],
  );
});

test('pruning drops undeclared fields but keeps preserved ones and the envelope; defaults fill in', () => {
  const obj = { apiVersion: 'a/v1', kind: 'K', metadata: { name: 'n', extra: 1 }, spec: { name: 'ab', bogus: 1, free: { any: { thing: 1 } } }, top: 1 };
  prune(schema, obj, true);
  assert.deepEqual(obj, { apiVersion: 'a/v1', kind: 'K', metadata: { name: 'n', extra: 1 }, spec: { name: 'ab', free: { any: { thing: 1 } } } });
  applyDefaults(schema, obj);
  assert.deepEqual(obj.spec, { name: 'ab', free: { any: { thing: 1 } }, size: 3, nested: { level: 'info' } });
});

test('CEL rules: self, integers as CEL ints, messages, transition rules', () => {
  const s: JSONSchemaProps = {
    type: 'object',
    'x-kubernetes-validations': [{ rule: 'self.min <= self.max', message: 'min must not exceed max' }, { rule: 'self.max + 1 > 1' }],
    properties: {
      min: { type: 'integer' },
      max: { type: 'integer' },
      mode: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'mode is immutable' }] },
    },
  };
  assert.deepEqual(celErrors(s, { min: 1, max: 2 }, undefined, { path: 'spec', transition: false }), []);
  assert.deepEqual(celErrors(s, { min: 3, max: 0 }, undefined, { path: 'spec', transition: false }).map(String), [
    'spec: Invalid value: "object": min must not exceed max',
    'spec: Invalid value: "object": failed rule: self.max + 1 > 1',
  ]);
  assert.deepEqual(celErrors(s, { mode: 'a' }, undefined, { path: 'spec', transition: true }), []);
  assert.deepEqual(celErrors(s, { mode: 'b' }, { mode: 'a' }, { path: 'spec', transition: true }).map(String), [
    'spec.mode: Invalid value: "string": mode is immutable',
  ]);
});

test('printer-column JSONPath: fields, indexes, wildcards and filters', () => {
  const obj = {
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Other', status: 'False' },
      ],
    },
    spec: { list: [{ n: 1 }, { n: 2 }] },
  };
  assert.deepEqual(evalJsonPath(parseJsonPath('.status.conditions[?(@.type == "Ready")].status')!, obj), ['True']);
  assert.deepEqual(evalJsonPath(parseJsonPath('.spec.list[*].n')!, obj), [1, 2]);
  assert.deepEqual(evalJsonPath(parseJsonPath('.spec.list[1].n')!, obj), [2]);
  assert.deepEqual(evalJsonPath(parseJsonPath('.spec.missing')!, obj), []);
});

const crd = (over: Record<string, unknown> = {}): Crd => ({
  metadata: { name: 'foos.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'foos', singular: 'foo', kind: 'Foo', listKind: 'FooList', shortNames: ['fo'] },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
    ...over,
  },
});

test('CRD validation: name, storage versions, schemas', () => {
  assert.deepEqual(validateCrd(crd()).map(String), []);
  const bad = validateCrd(
    crd({
      scope: 'Global',
      versions: [
        { name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', properties: { spec: {} } } } },
        { name: 'v2', served: false, storage: false },
      ],
    }),
  ).map(String);
  assert.ok(bad.includes('spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'), bad.join('\n'));
  assert.ok(
    bad.some((e) => e.startsWith('spec.versions: Invalid value') && e.endsWith('must have exactly one version marked as storage version')),
    bad.join('\n'),
  );
  assert.ok(
    bad.includes('spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields'),
    bad.join('\n'),
  );
  assert.ok(bad.includes('spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required'), bad.join('\n'));
  const named = validateCrd({ ...crd(), metadata: { name: 'bars.example.com' } }).map(String);
  assert.deepEqual(named, ['metadata.name: Invalid value: "bars.example.com": must be spec.names.plural+"."+spec.group']);
});

test('names: a short name held by another definition of the group is a conflict', () => {
  const other: Crd = { ...crd(), metadata: { name: 'bars.example.com' }, status: { acceptedNames: { plural: 'bars', kind: 'Bar', shortNames: ['fo'] } } };
  const r = computeNames(crd(), [other]);
  assert.equal(r.namesAccepted.status, 'False');
  assert.equal(r.namesAccepted.reason, 'ShortNamesConflict');
  assert.equal(r.namesAccepted.message, '"fo" is already in use');
  assert.equal(r.established.status, 'False');
  const fine = computeNames(crd(), []);
  assert.equal(fine.namesAccepted.reason, 'NoConflicts');
  assert.equal(fine.established.reason, 'InitialNamesAccepted');
});

test('version priority: GA, then beta, then alpha, then others', () => {
  assert.deepEqual(['v1alpha1', 'foo', 'v2beta1', 'v1', 'v2', 'v1beta2'].sort(compareVersions), ['v2', 'v1', 'v2beta1', 'v1beta2', 'v1alpha1', 'foo']);
});

test('protected groups need the api-approved.kubernetes.io annotation', () => {
  const c: Crd = { ...crd({ group: 'apiextensions.k8s.io' }), metadata: { name: 'foos.apiextensions.k8s.io' } };
  assert.deepEqual(validateCrd(c).map(String), [
    'metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
  ]);
  c.metadata = { ...c.metadata, annotations: { 'api-approved.kubernetes.io': 'unapproved, test only' } };
  assert.deepEqual(validateCrd(c), []);
});
