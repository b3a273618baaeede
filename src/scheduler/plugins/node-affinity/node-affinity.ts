import type { NodeSelectorTerm, PreferredSchedulingTerm } from 'kubernetes-types/core/v1.js';
import type { CycleState, FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin, StateData } from '../../framework/interfaces.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import { defaultNormalizeScore } from '../../framework/normalize.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { nodeSelectorTermMatches, nodeSelectorTermsMatch } from '../../../api/index.ts';
import { SKIP, SUCCESS, unresolvable } from '../../framework/status.ts';

export const NAME = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';
const REJECTED = unresolvable(ERR_REASON_POD);
const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

class RequiredState implements StateData {
  constructor(
    readonly selector: ReadonlyArray<readonly [string, string]>,
    readonly terms: readonly NodeSelectorTerm[] | undefined,
  ) {}
  clone(): this {
    return this;
  }
}
class PreferredState implements StateData {
  constructor(readonly terms: readonly PreferredSchedulingTerm[]) {}
  clone(): this {
    return this;
  }
}

/** Does the node satisfy the pod's nodeSelector and required node affinity? */
export function requiredMatches(pod: PodInfo, node: NodeInfo): boolean {
  const sel = pod.pod.spec?.nodeSelector ?? {};
  for (const k in sel) if (node.labels[k] !== sel[k]) return false;
  const terms = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return !terms || !node.node || nodeSelectorTermsMatch(terms, node.node);
}

/** Node names forced by `matchFields metadata.name In` in every term; undefined = any node. */
function nodeNamesFromTerms(terms: readonly NodeSelectorTerm[]): Set<string> | undefined {
  let names: Set<string> | undefined;
  for (const t of terms) {
    let termNames: Set<string> | undefined;
    for (const r of t.matchFields ?? []) {
      if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
      const s = new Set(r.values ?? []);
      termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
    }
    if (!termNames) return undefined;
    names = new Set([...(names ?? []), ...termNames]);
  }
  return names;
}

/**
 * Filter: spec.nodeSelector and required node affinity (terms ORed; expressions In/NotIn/Exists/
 * DoesNotExist/Gt/Lt and matchFields metadata.name ANDed). Score: sum of weights of matching
 * preferred terms, normalized to 0..100.
 */
export const nodeAffinity = {
  name: NAME,
  events: ['NodeAdd', 'NodeUpdate'],
  preFilter(state: CycleState, pod: PodInfo) {
    const spec = pod.pod.spec;
    const selector = Object.entries(spec?.nodeSelector ?? {});
    const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (selector.length === 0 && !terms) return { status: SKIP };
    state.write(PRE_FILTER_KEY, new RequiredState(selector, terms));
    const nodeNames = terms && nodeNamesFromTerms(terms);
    if (nodeNames && nodeNames.size === 0) return { status: unresolvable(ERR_REASON_CONFLICT) };
    return { status: SUCCESS, result: nodeNames ? { nodeNames } : undefined };
  },
  filter(state, pod, node) {
    const s = state.read<RequiredState>(PRE_FILTER_KEY);
    if (!s) return requiredMatches(pod, node) ? SUCCESS : REJECTED;
    for (const [k, v] of s.selector) if (node.labels[k] !== v) return REJECTED;
    if (s.terms && (!node.node || !nodeSelectorTermsMatch(s.terms, node.node))) return REJECTED;
    return SUCCESS;
  },
  preScore(state, pod) {
    const terms = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    if (terms.length === 0) return SKIP;
    state.write(PRE_SCORE_KEY, new PreferredState(terms));
    return SUCCESS;
  },
  score(state, pod, node) {
    const terms =
      state.read<PreferredState>(PRE_SCORE_KEY)?.terms ?? pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    let sum = 0;
    for (const t of terms) {
      if (t.weight !== 0 && node.node && nodeSelectorTermMatches(t.preference, node.node)) sum += t.weight;
    }
    return sum;
  },
  normalizeScore(_state, _pod, scores) {
    defaultNormalizeScore(scores, false);
  },
} satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
