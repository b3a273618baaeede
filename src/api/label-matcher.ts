// The matcher every label selector becomes, whether parsed from a `labelSelector=` query string or
// built from a metav1.LabelSelector. Mirrors apimachinery labels.Selector: requirements are
// ANDed, sorted by key, and an empty requirement list matches everything.

import { SelectorError } from './selector-error.ts';
import { aggregate, invalidValue, labelKeyErrors, labelValueErrors } from './label-validation.ts';

export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted and de-duplicated for set operators; one value for equality and gt/lt; none for exists/!. */
  readonly values: readonly string[];
}

/** A label map (metadata.labels). */
export type LabelSet = Readonly<Record<string, string>>;

export type Labels = LabelSet | undefined;

export interface LabelMatcher {
  /** True when the selector does not restrict anything (matches every object). */
  readonly empty: boolean;
  readonly requirements: readonly LabelRequirement[];
  matches(labels: Labels): boolean;
  /** Canonical form, as upstream prints it: `a in (x,y),b!=c,!d`. */
  toString(): string;
}

const INTEGER = /^[+-]?\d+$/;

/**
 * labels.NewRequirement: validates and returns a requirement, or throws a SelectorError with
 * upstream's aggregated field-error message.
 */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): LabelRequirement {
  const errs: string[] = [];
  // Go prints an empty (nil) []string bad value as JSON null.
  const shown = values.length === 0 ? null : values;
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length > 0) errs.push(invalidValue('key', key, keyErrs.join('; ')));
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalidValue('values', shown, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalidValue('values', shown, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalidValue('values', shown, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalidValue('values', shown, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!INTEGER.test(v)) errs.push(invalidValue(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) errs.push(invalidValue(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  if (errs.length > 0) throw new SelectorError(aggregate(errs));
  const isSet = operator === 'in' || operator === 'notin';
  return { key, operator, values: isSet ? [...new Set(values)].sort() : [...values] };
}

function has(labels: Labels, key: string): labels is Readonly<Record<string, string>> {
  return labels !== undefined && Object.hasOwn(labels, key);
}

export function requirementMatches(r: LabelRequirement, labels: Labels): boolean {
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has(labels, r.key) && r.values.includes(labels[r.key] ?? '');
    case 'notin':
    case '!=':
      return !has(labels, r.key) || !r.values.includes(labels[r.key] ?? '');
    case 'exists':
      return has(labels, r.key);
    case '!':
      return !has(labels, r.key);
    case 'gt':
    case 'lt': {
      if (!has(labels, r.key)) return false;
      const actual = labels[r.key] ?? '';
      const wanted = r.values[0] ?? '';
      if (!INTEGER.test(actual) || !INTEGER.test(wanted)) return false;
      const a = BigInt(actual);
      const w = BigInt(wanted);
      return r.operator === 'gt' ? a > w : a < w;
    }
  }
}

export function requirementToString(r: LabelRequirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0] ?? ''}`;
    case 'lt':
      return `${r.key}<${r.values[0] ?? ''}`;
    default:
      return `${r.key}${r.operator}${r.values[0] ?? ''}`;
  }
}

/** A matcher ANDing the requirements (sorted by key, stable); no requirements = everything. */
export function matcherOf(requirements: readonly LabelRequirement[]): LabelMatcher {
  const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const text = sorted.map(requirementToString).join(',');
  return {
    empty: sorted.length === 0,
    requirements: sorted,
    matches: (labels) => sorted.every((r) => requirementMatches(r, labels)),
    toString: () => text,
  };
}

/** Matches every object (upstream labels.Everything(); an empty metav1.LabelSelector). */
export const EVERYTHING_LABELS: LabelMatcher = matcherOf([]);

/** Matches no object (upstream labels.Nothing(); a nil metav1.LabelSelector). Not `empty`. */
export const NOTHING_LABELS: LabelMatcher = {
  empty: false,
  requirements: [],
  matches: () => false,
  toString: () => '',
};
