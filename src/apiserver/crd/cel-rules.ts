// CEL validation rules (x-kubernetes-validations) of custom resources, evaluated with
// @marcbachmann/cel-js (MIT, no dependencies): `self` is the value at the rule's schema node and
// `oldSelf` the stored value there on updates. Rules that mention oldSelf are transition rules,
// run only on updates where an old value exists, as upstream. Integers are passed as CEL ints
// (BigInt), numbers as doubles, following the schema's types.
import type { ParseResult } from '@marcbachmann/cel-js';
import { createRequire } from 'node:module';
import { FieldError, fieldErrors } from '../errors.ts';
import { isRecord } from '../registry/common.ts';
import type { JSONSchemaProps } from './schema-types.ts';

type Rule = NonNullable<JSONSchemaProps['x-kubernetes-validations']>[number] & { fieldPath?: string; reason?: string };

const cache = new Map<string, ParseResult | Error>();

// The CEL library (~2.5 MB of an idle server's memory) is loaded by the first rule compiled:
// servers without CRD validation rules never load it.
let cel: typeof import('@marcbachmann/cel-js') | undefined;
const parse = (rule: string): ParseResult =>
  (cel ??= createRequire(import.meta.url)('@marcbachmann/cel-js') as typeof import('@marcbachmann/cel-js')).parse(rule);

/** The compiled rule, or the compilation error (reported when the CRD is written). */
export function compileRule(rule: string): ParseResult | Error {
  let c = cache.get(rule);
  if (!c) {
    try {
      c = parse(rule); // throws ParseError on a syntax error
    } catch (e) {
      c = e instanceof Error ? e : new Error(String(e));
    }
    cache.set(rule, c);
  }
  return c;
}

const isTransition = (rule: string) => /\boldSelf\b/.test(rule);

/** JSON → CEL values by schema: integers become BigInt so CEL int arithmetic applies. */
export function toCel(schema: JSONSchemaProps | undefined, v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) && schema?.type !== 'number' ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map((x) => toCel(schema?.items, x));
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const child = schema?.properties?.[k] ?? (isRecord(schema?.additionalProperties) ? schema.additionalProperties : undefined);
      out[k] = toCel(child, x);
    }
    return out;
  }
  return v;
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/**
 * Failed rules under `schema` for `value`. With `transition`, only rules using oldSelf run (where
 * `old` has a value); without, only the others. Values the structural validation already refused
 * still reach here; a rule that cannot evaluate on them reports an evaluation error.
 */
export function celErrors(schema: JSONSchemaProps, value: unknown, old: unknown, opts: { path: string; transition: boolean }): FieldError[] {
  const errs: FieldError[] = [];
  if (value === undefined || value === null) return errs;
  const { path, transition } = opts;
  for (const r of (schema['x-kubernetes-validations'] ?? []) as Rule[]) {
    if (isTransition(r.rule) !== transition || (transition && old === undefined)) continue;
    const program = compileRule(r.rule);
    if (program instanceof Error) continue;
    const at = r.fieldPath ? `${path}${r.fieldPath.startsWith('.') || r.fieldPath.startsWith('[') ? '' : '.'}${r.fieldPath}` : path;
    const shown = schema.type ?? 'object';
    let result: unknown;
    try {
      result = program({ self: toCel(schema, value), ...(old !== undefined ? { oldSelf: toCel(schema, old) } : {}) });
    } catch (e) {
      errs.push(fieldErrors.invalid(at, shown, `rule evaluation error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`));
      continue;
    }
    if (result === true) continue;
    let message = r.message || `failed rule: ${r.rule}`;
    if (r.messageExpression) {
      const m = compileRule(r.messageExpression);
      if (!(m instanceof Error)) {
        try {
          const text: unknown = m({ self: toCel(schema, value), ...(old !== undefined ? { oldSelf: toCel(schema, old) } : {}) });
          if (typeof text === 'string' && text.trim()) message = text;
        } catch {
          // Upstream falls back to message (or the rule) when messageExpression fails.
        }
      }
    }
    if (r.reason === 'FieldValueForbidden') errs.push(fieldErrors.forbidden(at, message));
    else if (r.reason === 'FieldValueRequired') errs.push(fieldErrors.required(at, message));
    else if (r.reason === 'FieldValueDuplicate') errs.push(new FieldError('FieldValueDuplicate', at, shown, message));
    else errs.push(fieldErrors.invalid(at, shown, message));
  }
  if (isRecord(value)) {
    const oldRec = isRecord(old) ? old : undefined;
    for (const [k, child] of Object.entries(value)) {
      const prop =
        schema.properties && Object.hasOwn(schema.properties, k)
          ? schema.properties[k]
          : isRecord(schema.additionalProperties)
            ? schema.additionalProperties
            : undefined;
      if (prop) errs.push(...celErrors(prop, child, oldRec?.[k], { path: join(path, k), transition }));
    }
  } else if (Array.isArray(value) && schema.items) {
    // Old list items are correlated only for atomic scalars by index-free identity: skip oldSelf.
    value.forEach((item, i) => errs.push(...celErrors(schema.items!, item, undefined, { path: `${path}[${i}]`, transition })));
  }
  return errs;
}
