// metav1.LabelSelector (matchLabels + matchExpressions), as apimachinery LabelSelectorAsSelector.
//
// One behaviour for every component: converting a selector with an unknown operator or an invalid
// key/value is an error (SelectorError with upstream's message). The API server converts at
// validation time, so such a selector is refused with 422 and never stored; components that read
// stored objects use `selectorMatcher`, which treats a conversion error as "matches nothing", as
// upstream controllers log and skip an object whose selector does not convert.

import type { LabelSelector } from 'kubernetes-types/meta/v1.d.ts';
import { SelectorError } from './selector-error.ts';
import {
  EVERYTHING_LABELS,
  NOTHING_LABELS,
  matcherOf,
  newRequirement,
  type LabelMatcher,
  type LabelOperator,
  type LabelRequirement,
  type LabelSet,
  type Labels,
} from './label-matcher.ts';

export type LabelSelectorObject = LabelSelector;

const OPERATORS: Readonly<Record<string, LabelOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

export interface FromObjectOptions {
  /**
   * Extra `key in (value)` requirements ANDed with the selector: the labels named by
   * matchLabelKeys of topology spread constraints and pod affinity terms, with the pod's values.
   */
  readonly extra?: LabelSet;
}

/**
 * Builds the matcher for a metav1.LabelSelector. The two "no requirements" cases differ, as
 * upstream: `null`/`undefined` matches NOTHING (NOTHING_LABELS), `{}` matches EVERYTHING
 * (EVERYTHING_LABELS). Callers whose field treats an absent selector as "all" (rare) must check
 * for absence themselves. Throws SelectorError for unknown operators or invalid keys/values.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | null | undefined, opts: FromObjectOptions = {}): LabelMatcher {
  if (sel === null || sel === undefined) return NOTHING_LABELS;
  const matchLabels = Object.entries(sel.matchLabels ?? {});
  const expressions = sel.matchExpressions ?? [];
  const extra = Object.entries(opts.extra ?? {});
  if (matchLabels.length + expressions.length + extra.length === 0) return EVERYTHING_LABELS;
  const reqs: LabelRequirement[] = matchLabels.map(([k, v]) => newRequirement(k, '=', [v]));
  for (const expr of expressions) {
    const op = Object.hasOwn(OPERATORS, expr.operator) ? OPERATORS[expr.operator] : undefined;
    if (!op) throw new SelectorError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    reqs.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  for (const [k, v] of extra) reqs.push(newRequirement(k, 'in', [v]));
  return matcherOf(reqs);
}

export type LabelMatch = (labels: Labels) => boolean;

/**
 * The match function for a selector read from a stored object (validated when it was written).
 * A selector that still fails to convert matches nothing rather than throwing out of a
 * controller's or the scheduler's loop.
 */
export function selectorMatcher(sel: LabelSelectorObject | null | undefined, opts: FromObjectOptions = {}): LabelMatch {
  let m: LabelMatcher;
  try {
    m = labelSelectorFromObject(sel, opts);
  } catch (err) {
    if (!(err instanceof SelectorError)) throw err;
    m = NOTHING_LABELS;
  }
  return (labels) => m.matches(labels);
}

/** No selector, or one with no requirements (which selects everything once set). */
export function isEmptySelector(sel: LabelSelectorObject | null | undefined): boolean {
  return !sel || Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0;
}
