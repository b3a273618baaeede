import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { NodeSelectorRequirement, NodeSelectorTerm, Node } from 'kubernetes-types/core/v1.js';

export type Labels = { readonly [key: string]: string };
/** A compiled selector; compile once per pod, match many times. */
export type LabelMatcher = (labels: Labels | undefined) => boolean;

const NOTHING: LabelMatcher = () => false;
const EVERYTHING: LabelMatcher = () => true;

/**
 * metav1.LabelSelectorAsSelector: a missing selector matches nothing, an empty one everything.
 * `extra` adds `key In (value)` requirements (matchLabelKeys of topology spread / pod affinity).
 */
export function compileLabelSelector(sel: LabelSelector | undefined, extra?: Labels): LabelMatcher {
  if (!sel) return NOTHING;
  const reqs: Array<(l: Labels) => boolean> = [];
  const eq = { ...(sel.matchLabels ?? {}), ...(extra ?? {}) };
  for (const [k, v] of Object.entries(eq)) reqs.push((l) => l[k] === v);
  for (const e of sel.matchExpressions ?? []) {
    const key = e.key;
    const values = new Set(e.values ?? []);
    switch (e.operator) {
      case 'In': reqs.push((l) => l[key] !== undefined && values.has(l[key])); break;
      case 'NotIn': reqs.push((l) => l[key] === undefined || !values.has(l[key])); break;
      case 'Exists': reqs.push((l) => l[key] !== undefined); break;
      case 'DoesNotExist': reqs.push((l) => l[key] === undefined); break;
      default: return NOTHING; // invalid selector matches nothing, as upstream on parse errors
    }
  }
  if (reqs.length === 0) return EVERYTHING;
  const empty: Labels = {};
  return (labels) => {
    const l = labels ?? empty;
    for (const r of reqs) if (!r(l)) return false;
    return true;
  };
}

function parseInt64(s: string | undefined): number | undefined {
  if (s === undefined || !/^-?\d+$/.test(s)) return undefined;
  return Number(s);
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt':
    case 'Lt': {
      const have = parseInt64(value);
      const want = parseInt64(values[0]);
      if (have === undefined || want === undefined || values.length !== 1) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default: return false;
  }
}

/** One NodeSelectorTerm: expressions and fields ANDed; a term with neither matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  for (const e of exprs) if (!requirementMatches(e, labels[e.key])) return false;
  for (const f of fields) {
    // metadata.name is the only supported field, with In/NotIn (validation rejects others).
    const v = f.key === 'metadata.name' ? node.metadata?.name : undefined;
    if (f.key !== 'metadata.name' || (f.operator !== 'In' && f.operator !== 'NotIn')) return false;
    if (!requirementMatches(f, v)) return false;
  }
  return true;
}

/** NodeSelector: terms ORed. */
export function nodeSelectorTermsMatch(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  for (const t of terms) if (nodeSelectorTermMatches(t, node)) return true;
  return false;
}
