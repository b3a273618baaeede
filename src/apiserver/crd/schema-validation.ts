// Validation of a custom resource against its structural schema, with upstream's field paths and
// wording (kube-openapi's validator as kube-apiserver reports it): `spec.replicas: Invalid value:
// 15: spec.replicas in body should be less than or equal to 10`.
import { FieldError, fieldErrors } from '../errors.ts';
import { isRecord } from '../registry/common.ts';
import type { JSONSchemaProps } from './schema-types.ts';
import { formatOk } from './schema-formats.ts';

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(schema: JSONSchemaProps, v: unknown): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  const t = schema.type;
  if (!t) return true;
  const actual = jsonType(v);
  if (t === 'number') return actual === 'number' || actual === 'integer';
  return t === actual;
}

const bodyInvalid = (path: string, value: unknown, detail: string) => fieldErrors.invalid(path, value, `${path} in body ${detail}`);

/** Every violation of `schema` by `value`, located under `path` (e.g. 'spec'). */
export function validateSchema(schema: JSONSchemaProps, value: unknown, path = ''): FieldError[] {
  const errs: FieldError[] = [];
  if (value === null) {
    if (!schema.nullable && (schema.type || schema['x-kubernetes-int-or-string'])) {
      errs.push(bodyInvalid(path, 'null', `must be of type ${schema.type ?? 'integer-or-string'}: "null"`));
    }
    return errs;
  }
  if (!typeMatches(schema, value)) {
    const actual = jsonType(value);
    errs.push(bodyInvalid(path, actual, `must be of type ${schema['x-kubernetes-int-or-string'] ? 'integer-or-string' : schema.type}: "${actual}"`));
    return errs;
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errs.push(new FieldError('FieldValueNotSupported', path, value, `supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`));
  }
  if (typeof value === 'number') errs.push(...numberErrors(schema, value, path));
  if (typeof value === 'string') errs.push(...stringErrors(schema, value, path));
  if (Array.isArray(value)) errs.push(...arrayErrors(schema, value, path));
  if (isRecord(value)) errs.push(...objectErrors(schema, value, path));
  for (const sub of schema.allOf ?? []) errs.push(...validateSchema(sub, value, path));
  if (schema.anyOf && !schema.anyOf.some((s) => validateSchema(s, value, path).length === 0)) {
    errs.push(bodyInvalid(path, value, 'must validate at least one schema (anyOf)'));
  }
  if (schema.oneOf && schema.oneOf.filter((s) => validateSchema(s, value, path).length === 0).length !== 1) {
    errs.push(bodyInvalid(path, value, 'must validate one and only one schema (oneOf)'));
  }
  if (schema.not && validateSchema(schema.not, value, path).length === 0) {
    errs.push(bodyInvalid(path, value, 'must not validate the schema (not)'));
  }
  return errs;
}

function numberErrors(s: JSONSchemaProps, v: number, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
    errs.push(bodyInvalid(path, v, `should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`));
  }
  if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
    errs.push(bodyInvalid(path, v, `should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`));
  }
  if (s.multipleOf !== undefined && s.multipleOf > 0 && !Number.isInteger(v / s.multipleOf)) {
    errs.push(bodyInvalid(path, v, `should be a multiple of ${s.multipleOf}`));
  }
  return errs;
}

function stringErrors(s: JSONSchemaProps, v: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const length = [...v].length;
  if (s.maxLength !== undefined && length > s.maxLength) errs.push(new FieldError('FieldValueTooLong', path, v, `may not be more than ${s.maxLength} bytes`));
  if (s.minLength !== undefined && length < s.minLength) errs.push(bodyInvalid(path, v, `should be at least ${s.minLength} chars long`));
  if (s.pattern !== undefined && !safeRegExp(s.pattern)?.test(v)) errs.push(bodyInvalid(path, v, `should match '${s.pattern}'`));
  if (s.format && !s['x-kubernetes-int-or-string'] && !formatOk(s.format, v))
    errs.push(bodyInvalid(path, v, `must be of type ${s.format}: ${JSON.stringify(v)}`));
  return errs;
}

function arrayErrors(s: JSONSchemaProps, v: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (s.maxItems !== undefined && v.length > s.maxItems)
    errs.push(new FieldError('FieldValueTooMany', path, v.length, `must have at most ${s.maxItems} items`));
  if (s.minItems !== undefined && v.length < s.minItems) errs.push(bodyInvalid(path, v.length, `should have at least ${s.minItems} items`));
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set' || s.uniqueItems) {
    const seen = new Set<string>();
    v.forEach((item, i) => {
      const k = JSON.stringify(item);
      if (seen.has(k)) errs.push(fieldErrors.duplicate(`${path}[${i}]`, item));
      seen.add(k);
    });
  } else if (listType === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    v.forEach((item, i) => {
      if (!isRecord(item)) return;
      const key = Object.fromEntries(keys.map((k) => [k, item[k]]));
      const text = JSON.stringify(key);
      if (seen.has(text)) errs.push(fieldErrors.duplicate(`${path}[${i}]`, key));
      seen.add(text);
    });
  }
  if (s.items) v.forEach((item, i) => errs.push(...validateSchema(s.items!, item, `${path}[${i}]`)));
  return errs;
}

function objectErrors(s: JSONSchemaProps, v: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (s['x-kubernetes-embedded-resource']) {
    // An embedded object is a whole Kubernetes object: it names its apiVersion and kind.
    for (const k of ['apiVersion', 'kind']) {
      if (typeof v[k] !== 'string' || v[k] === '') errs.push(fieldErrors.required(join(path, k), 'must not be empty'));
    }
  }
  const count = Object.keys(v).length;
  if (s.maxProperties !== undefined && count > s.maxProperties)
    errs.push(new FieldError('FieldValueTooMany', path, count, `must have at most ${s.maxProperties} items`));
  if (s.minProperties !== undefined && count < s.minProperties) errs.push(bodyInvalid(path, count, `should have at least ${s.minProperties} properties`));
  for (const r of s.required ?? []) if (v[r] === undefined) errs.push(fieldErrors.required(join(path, r)));
  for (const [k, child] of Object.entries(v)) {
    const prop = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
    if (prop) errs.push(...validateSchema(prop, child, join(path, k)));
    else if (isRecord(s.additionalProperties)) errs.push(...validateSchema(s.additionalProperties, child, join(path, k)));
  }
  return errs;
}

const regexCache = new Map<string, RegExp | undefined>();

/** ECMA regexps stand in for Go's RE2; a pattern neither accepts is reported at CRD creation. */
export function safeRegExp(pattern: string): RegExp | undefined {
  if (!regexCache.has(pattern)) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = undefined;
    }
    regexCache.set(pattern, re);
  }
  return regexCache.get(pattern);
}
