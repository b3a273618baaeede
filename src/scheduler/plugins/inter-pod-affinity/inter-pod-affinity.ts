import type { CycleState, FilterPlugin, Handle, PreFilterPlugin, PreScorePlugin, ScorePlugin, StateData } from '../../framework/interfaces.ts';
import { MAX_NODE_SCORE } from '../../framework/interfaces.ts';
import { hasAffinity, type NodeInfo } from '../../framework/node-info.ts';
import { termMatches, type PodInfo } from '../../framework/pod-info.ts';
import { SKIP, SUCCESS, unresolvable, unschedulable } from '../../framework/status.ts';
import { addAffinity, addAntiAffinity, addExistingAntiAffinity, matchesAll, TopologyCounts } from './counts.ts';

export const NAME = 'InterPodAffinity';
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
/** Weight of an existing pod's *required* affinity term when scoring the reverse direction. */
export const HARD_POD_AFFINITY_WEIGHT = 1;
const AFFINITY_REJECTED = unresolvable(ERR_REASON_AFFINITY);
const ANTI_REJECTED = unschedulable(ERR_REASON_ANTI_AFFINITY);
const EXISTING_REJECTED = unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

class FilterState implements StateData {
  constructor(
    readonly existingAnti: TopologyCounts,
    readonly affinity: TopologyCounts,
    readonly anti: TopologyCounts,
  ) {}
  clone(): FilterState {
    return new FilterState(this.existingAnti.clone(), this.affinity.clone(), this.anti.clone());
  }
}
class ScoreState implements StateData {
  constructor(readonly scores: TopologyCounts) {}
  clone(): this {
    return this;
  }
}

/** Required pod affinity: every term's domain on this node must already hold a matching pod. */
function satisfiesAffinity(s: FilterState, pod: PodInfo, node: NodeInfo, h: Handle): boolean {
  let podsExist = true;
  for (const t of pod.requiredAffinityTerms) {
    const v = node.labels[t.topologyKey];
    if (v === undefined) return false;
    if (s.affinity.get(t.topologyKey, v) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group that matches its own affinity may go anywhere with the labels.
  return s.affinity.size === 0 && matchesAll(pod.requiredAffinityTerms, pod, (ns) => h.namespaceLabels(ns));
}

export function createInterPodAffinity(h: Handle) {
  const ns = (n: string) => h.namespaceLabels(n);
  const update = (sign: number) => (state: CycleState, pod: PodInfo, changed: PodInfo, node: NodeInfo) => {
    const s = state.read<FilterState>(PRE_FILTER_KEY);
    if (!s) return SUCCESS;
    addExistingAntiAffinity(s.existingAnti, changed, pod, node, ns, sign);
    addAffinity(s.affinity, pod, changed, node, ns, sign);
    addAntiAffinity(s.anti, pod, changed, node, ns, sign);
    return SUCCESS;
  };
  return {
    name: NAME,
    events: ['NodeAdd', 'NodeUpdate', 'AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete'],
    preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]) {
      const existingAnti = new TopologyCounts();
      for (const node of h.lister.withPodsWithRequiredAntiAffinity()) {
        for (const e of node.podsWithRequiredAntiAffinity) addExistingAntiAffinity(existingAnti, e, pod, node, ns, 1);
      }
      const hasTerms = pod.requiredAffinityTerms.length + pod.requiredAntiAffinityTerms.length > 0;
      if (existingAnti.size === 0 && !hasTerms) return { status: SKIP };
      const affinity = new TopologyCounts();
      const anti = new TopologyCounts();
      if (hasTerms) {
        for (const node of nodes) {
          for (const e of node.pods) {
            addAffinity(affinity, pod, e, node, ns, 1);
            addAntiAffinity(anti, pod, e, node, ns, 1);
          }
        }
      }
      state.write(PRE_FILTER_KEY, new FilterState(existingAnti, affinity, anti));
      return { status: SUCCESS };
    },
    addPod: update(1),
    removePod: update(-1),
    filter(state, pod, node) {
      const s = state.read<FilterState>(PRE_FILTER_KEY);
      if (!s) return SUCCESS;
      if (pod.requiredAffinityTerms.length > 0 && !satisfiesAffinity(s, pod, node, h)) return AFFINITY_REJECTED;
      if (s.anti.size > 0) {
        for (const t of pod.requiredAntiAffinityTerms) {
          const v = node.labels[t.topologyKey];
          if (v !== undefined && s.anti.get(t.topologyKey, v) > 0) return ANTI_REJECTED;
        }
      }
      if (s.existingAnti.size > 0 && s.existingAnti.anyOnNode(node)) return EXISTING_REJECTED;
      return SUCCESS;
    },
    /** Sums preferred (anti-)affinity weights per topology pair, in both directions. */
    preScore(state, pod) {
      const own = pod.preferredAffinityTerms.length + pod.preferredAntiAffinityTerms.length > 0;
      const nodes = own ? h.lister.list() : h.lister.withPodsWithAffinity();
      if (!own && nodes.length === 0) return SKIP;
      const scores = new TopologyCounts();
      for (const node of nodes) {
        for (const e of own ? node.pods : node.podsWithAffinity) {
          for (const t of pod.preferredAffinityTerms) {
            const v = node.labels[t.topologyKey];
            if (v !== undefined && termMatches(t, e, ns)) scores.add(t.topologyKey, v, t.weight);
          }
          for (const t of pod.preferredAntiAffinityTerms) {
            const v = node.labels[t.topologyKey];
            if (v !== undefined && termMatches(t, e, ns)) scores.add(t.topologyKey, v, -t.weight);
          }
          if (!hasAffinity(e)) continue;
          for (const t of e.requiredAffinityTerms) {
            const v = node.labels[t.topologyKey];
            if (v !== undefined && termMatches(t, pod, ns)) scores.add(t.topologyKey, v, HARD_POD_AFFINITY_WEIGHT);
          }
          for (const t of e.preferredAffinityTerms) {
            const v = node.labels[t.topologyKey];
            if (v !== undefined && termMatches(t, pod, ns)) scores.add(t.topologyKey, v, t.weight);
          }
          for (const t of e.preferredAntiAffinityTerms) {
            const v = node.labels[t.topologyKey];
            if (v !== undefined && termMatches(t, pod, ns)) scores.add(t.topologyKey, v, -t.weight);
          }
        }
      }
      state.write(PRE_SCORE_KEY, new ScoreState(scores));
      return SUCCESS;
    },
    score(state, _pod, node) {
      const s = state.read<ScoreState>(PRE_SCORE_KEY);
      if (!s) return 0;
      let sum = 0;
      for (const [k, m] of s.scores.byKey) {
        const v = node.labels[k];
        if (v !== undefined) sum += m.get(v) ?? 0;
      }
      return sum;
    },
    /** Min-max scaling to 0..100 (negative raw scores allowed). */
    normalizeScore(state, _pod, scores) {
      const s = state.read<ScoreState>(PRE_SCORE_KEY);
      if (!s || s.scores.size === 0) return;
      let min = Infinity;
      let max = -Infinity;
      for (const x of scores) {
        if (x < min) min = x;
        if (x > max) max = x;
      }
      const diff = max - min;
      for (let i = 0; i < scores.length; i++) {
        scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i]! - min)) / diff) : 0;
      }
    },
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
}
