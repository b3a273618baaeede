// Parses the `fieldSelector` query syntax as apimachinery fields.ParseSelector does: terms
// `field=value`, `field==value`, `field!=value` joined by `,` (AND). Values escape `\`, `,` and
// `=` with a backslash; field names are not escaped and end at the first operator. No whitespace
// trimming (upstream has none either). Which fields a resource supports is its registry's business:
// validateFields() gives upstream's 400 message for the rest.

import { SelectorError } from '../../api/index.ts';

export { SelectorError } from '../../api/index.ts';

export interface FieldRequirement {
  readonly field: string;
  readonly op: '=' | '!=';
  /** Unescaped value. */
  readonly value: string;
}

export interface FieldSelector {
  /** Sorted by the raw term text, as upstream does. */
  readonly requirements: readonly FieldRequirement[];
  /** True when the selector does not restrict anything. */
  readonly empty: boolean;
  /** `get` returns the object's value for a field; undefined is compared as "" (upstream Set.Get). */
  matches(get: (field: string) => string | undefined): boolean;
  /** The value an object must have for `field` when the selector pins it with `=`, else undefined. */
  requiresExactMatch(field: string): string | undefined;
  toString(): string;
}

// Checked in this order so `a==b` is not read as `a` = `=b`.
const OPERATORS = ['!=', '==', '='] as const;

function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

function splitTerm(term: string): [string, (typeof OPERATORS)[number], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** fields.UnescapeValue, with its error messages (Go prints the offending rune as a number). */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      throw new SelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.EscapeValue: the inverse of unescapeFieldValue. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Parses a field selector; the empty string selects everything. Throws SelectorError. */
export function parseFieldSelector(selector: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(selector).sort()) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (!parts) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [field, op, raw] = parts;
    requirements.push({ field, op: op === '!=' ? '!=' : '=', value: unescapeFieldValue(raw) });
  }
  const text = requirements.map((r) => `${r.field}${r.op}${escapeFieldValue(r.value)}`).join(',');
  return {
    requirements,
    empty: requirements.length === 0,
    matches: (get) => requirements.every((r) => ((get(r.field) ?? '') === r.value) === (r.op === '=')),
    requiresExactMatch: (field) => requirements.find((r) => r.field === field && r.op === '=')?.value,
    toString: () => text,
  };
}

/**
 * Throws SelectorError(`field label not supported: <field>`) for the first requirement whose field
 * the resource does not support (upstream's field label conversion error; the apiserver answers
 * 400 BadRequest with it).
 */
export function validateFields(sel: FieldSelector, allowed: ReadonlySet<string>): void {
  for (const r of sel.requirements) {
    if (!allowed.has(r.field)) throw new SelectorError(`field label not supported: ${r.field}`);
  }
}
