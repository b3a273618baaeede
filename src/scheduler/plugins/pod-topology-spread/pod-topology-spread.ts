import type { CycleState, FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin, SharedLister, StateData } from '../../framework/interfaces.ts';
import { MAX_NODE_SCORE } from '../../framework/interfaces.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { SKIP, SUCCESS, unresolvable, unschedulable } from '../../framework/status.ts';
import { constraintsOf, countMatching, hasAllKeys, HOSTNAME_LABEL, nodeIncluded, type Constraint } from './constraints.ts';

export const NAME = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;
const SKEW_REJECTED = unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
const LABEL_REJECTED = unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

/** Matching-pod counts per domain (topology value), one map per hard constraint. */
class FilterState implements StateData {
  private mins: Array<number | undefined>;
  constructor(
    readonly constraints: readonly Constraint[],
    readonly counts: Array<Map<string, number>>,
  ) {
    this.mins = constraints.map(() => undefined);
  }
  /** Smallest domain count; 0 when there are fewer domains than minDomains. */
  minMatch(i: number): number {
    const counts = this.counts[i]!;
    if (counts.size < this.constraints[i]!.minDomains) return 0;
    let m = this.mins[i];
    if (m === undefined) {
      m = Infinity;
      for (const v of counts.values()) if (v < m) m = v;
      this.mins[i] = m;
    }
    return m === Infinity ? 0 : m;
  }
  update(pod: PodInfo, changed: PodInfo, node: NodeInfo, delta: number): void {
    if (!hasAllKeys(node, this.constraints) || changed.namespace !== pod.namespace) return;
    this.constraints.forEach((c, i) => {
      if (!nodeIncluded(c, pod, node) || !c.selector(changed.labels)) return;
      const v = node.labels[c.topologyKey]!;
      const m = this.counts[i]!;
      m.set(v, (m.get(v) ?? 0) + delta);
      this.mins[i] = undefined;
    });
  }
  clone(): FilterState {
    return new FilterState(
      this.constraints,
      this.counts.map((m) => new Map(m)),
    );
  }
}

class ScoreState implements StateData {
  constructor(
    readonly constraints: readonly Constraint[],
    readonly ignored: ReadonlySet<string>,
    readonly pairCounts: Map<string, number>,
    readonly weights: readonly number[],
  ) {}
  clone(): this {
    return this;
  }
}

const pairKey = (k: string, v: string): string => `${k}\u0000${v}`;

export function createPodTopologySpread(lister: SharedLister) {
  const filterUpdate = (delta: number) => (state: CycleState, pod: PodInfo, changed: PodInfo, node: NodeInfo) => {
    state.read<FilterState>(PRE_FILTER_KEY)?.update(pod, changed, node, delta);
    return SUCCESS;
  };
  return {
    name: NAME,
    events: ['NodeAdd', 'NodeUpdate', 'NodeDelete', 'AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete'],
    /** Counts matching pods per domain over every eligible node (hard constraints only). */
    preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]) {
      const constraints = constraintsOf(pod.pod, 'DoNotSchedule');
      if (constraints.length === 0) return { status: SKIP };
      const counts = constraints.map(() => new Map<string, number>());
      for (const node of nodes) {
        if (!hasAllKeys(node, constraints)) continue;
        constraints.forEach((c, i) => {
          if (!nodeIncluded(c, pod, node)) return;
          const v = node.labels[c.topologyKey]!;
          counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + countMatching(node.pods, c.selector, pod.namespace));
        });
      }
      state.write(PRE_FILTER_KEY, new FilterState(constraints, counts));
      return { status: SUCCESS };
    },
    addPod: filterUpdate(1),
    removePod: filterUpdate(-1),
    /** skew = matching pods in this node's domain + self - smallest domain; must be <= maxSkew. */
    filter(state, pod, node) {
      const s = state.read<FilterState>(PRE_FILTER_KEY);
      if (!s) return SUCCESS;
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i]!;
        const v = node.labels[c.topologyKey];
        if (v === undefined) return LABEL_REJECTED;
        const self = c.selector(pod.labels) ? 1 : 0;
        const skew = (s.counts[i]!.get(v) ?? 0) + self - s.minMatch(i);
        if (skew > c.maxSkew) return SKEW_REJECTED;
      }
      return SUCCESS;
    },
    preScore(state, pod, feasible) {
      const constraints = constraintsOf(pod.pod, 'ScheduleAnyway');
      if (constraints.length === 0) return SKIP;
      const ignored = new Set<string>();
      const pairCounts = new Map<string, number>();
      const sizes = constraints.map(() => 0);
      for (const node of feasible) {
        if (!hasAllKeys(node, constraints)) {
          ignored.add(node.name);
          continue;
        }
        constraints.forEach((c, i) => {
          if (c.topologyKey === HOSTNAME_LABEL) return;
          const k = pairKey(c.topologyKey, node.labels[c.topologyKey]!);
          if (!pairCounts.has(k)) {
            pairCounts.set(k, 0);
            sizes[i]!++;
          }
        });
      }
      const weights = constraints.map((c, i) => Math.log((c.topologyKey === HOSTNAME_LABEL ? feasible.length - ignored.size : sizes[i]!) + 2));
      for (const node of lister.list()) {
        if (!hasAllKeys(node, constraints)) continue;
        for (const c of constraints) {
          if (c.topologyKey === HOSTNAME_LABEL || !nodeIncluded(c, pod, node)) continue;
          const k = pairKey(c.topologyKey, node.labels[c.topologyKey]!);
          const cur = pairCounts.get(k);
          if (cur === undefined) continue;
          pairCounts.set(k, cur + countMatching(node.pods, c.selector, pod.namespace));
        }
      }
      state.write(PRE_SCORE_KEY, new ScoreState(constraints, ignored, pairCounts, weights));
      return SUCCESS;
    },
    /** Fewer matching pods in the node's domains = lower raw score = better after normalizing. */
    score(state, pod, node) {
      const s = state.read<ScoreState>(PRE_SCORE_KEY);
      if (!s || s.ignored.has(node.name)) return 0;
      let score = 0;
      s.constraints.forEach((c, i) => {
        const v = node.labels[c.topologyKey];
        if (v === undefined) return;
        const cnt = c.topologyKey === HOSTNAME_LABEL ? countMatching(node.pods, c.selector, pod.namespace) : (s.pairCounts.get(pairKey(c.topologyKey, v)) ?? 0);
        score += cnt * s.weights[i]! + (c.maxSkew - 1);
      });
      return Math.round(score);
    },
    normalizeScore(state, _pod, scores, nodes) {
      const s = state.read<ScoreState>(PRE_SCORE_KEY);
      if (!s) return;
      let min = Infinity;
      let max = 0;
      nodes.forEach((n, i) => {
        if (s.ignored.has(n.name)) return;
        min = Math.min(min, scores[i]!);
        max = Math.max(max, scores[i]!);
      });
      nodes.forEach((n, i) => {
        if (s.ignored.has(n.name)) scores[i] = 0;
        else if (max === 0) scores[i] = MAX_NODE_SCORE;
        else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
      });
    },
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
}
