// metav1.LabelSelector matching for controllers (LabelSelectorAsSelector semantics): an absent
// selector matches nothing, an empty one everything. Selectors were validated by the API server.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';

export type LabelMatch = (labels: Readonly<Record<string, string>> | undefined) => boolean;

export function selectorMatcher(sel: LabelSelector | undefined | null): LabelMatch {
  if (!sel) return () => false;
  const ml = Object.entries(sel.matchLabels ?? {});
  const exprs = sel.matchExpressions ?? [];
  return (labels) => {
    const l = labels ?? {};
    for (const [k, v] of ml) if (l[k] !== v) return false;
    for (const e of exprs) {
      const has = Object.hasOwn(l, e.key);
      const vals = e.values ?? [];
      if (e.operator === 'In' && !(has && vals.includes(l[e.key]!))) return false;
      if (e.operator === 'NotIn' && has && vals.includes(l[e.key]!)) return false;
      if (e.operator === 'Exists' && !has) return false;
      if (e.operator === 'DoesNotExist' && has) return false;
    }
    return true;
  };
}

export function isEmptySelector(sel: LabelSelector | undefined | null): boolean {
  return !sel || Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0;
}
