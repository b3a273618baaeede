// metav1.LabelSelector (matchLabels + matchExpressions), as apimachinery LabelSelectorAsSelector.

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
} from './label-matcher.ts';

export type LabelSelectorObject = LabelSelector;

const OPERATORS: Readonly<Record<string, LabelOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * Builds the matcher for a metav1.LabelSelector. The two "no requirements" cases differ, as
 * upstream: `null`/`undefined` matches NOTHING (NOTHING_LABELS), `{}` matches EVERYTHING
 * (EVERYTHING_LABELS). Callers whose field treats an absent selector as "all" (rare) must check
 * for absence themselves. Throws SelectorError for unknown operators or invalid keys/values.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | null | undefined): LabelMatcher {
  if (sel === null || sel === undefined) return NOTHING_LABELS;
  const matchLabels = Object.entries(sel.matchLabels ?? {});
  const expressions = sel.matchExpressions ?? [];
  if (matchLabels.length + expressions.length === 0) return EVERYTHING_LABELS;
  const reqs: LabelRequirement[] = matchLabels.map(([k, v]) => newRequirement(k, '=', [v]));
  for (const expr of expressions) {
    const op = Object.hasOwn(OPERATORS, expr.operator) ? OPERATORS[expr.operator] : undefined;
    if (!op) throw new SelectorError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    reqs.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  return matcherOf(reqs);
}
