import type { NodeInfo } from '../../framework/node-info.ts';
import type { AffinityTerm, PodInfo } from '../../framework/pod-info.ts';
import { termMatches } from '../../framework/pod-info.ts';
import type { LabelSet as Labels } from '../../../api/index.ts';

type NsLabels = ((ns: string) => Labels | undefined) | undefined;

/** Counts per topology pair (key=value), kept as key → value → count. */
export class TopologyCounts {
  readonly byKey = new Map<string, Map<string, number>>();

  add(key: string, value: string, n: number): void {
    let m = this.byKey.get(key);
    if (!m) this.byKey.set(key, (m = new Map()));
    const v = (m.get(value) ?? 0) + n;
    if (v === 0) m.delete(value);
    else m.set(value, v);
    if (m.size === 0) this.byKey.delete(key);
  }
  get(key: string, value: string): number {
    return this.byKey.get(key)?.get(value) ?? 0;
  }
  get size(): number {
    return this.byKey.size;
  }
  /** Is any pair of the node's labels counted (> 0)? */
  anyOnNode(node: NodeInfo): boolean {
    for (const [k, m] of this.byKey) {
      const v = node.labels[k];
      if (v !== undefined && (m.get(v) ?? 0) > 0) return true;
    }
    return false;
  }
  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, m] of this.byKey) c.byKey.set(k, new Map(m));
    return c;
  }
}

/** Existing pod `existing` on `node` has anti-affinity terms matching `pod`: count them. */
export function addExistingAntiAffinity(c: TopologyCounts, existing: PodInfo, pod: PodInfo, node: NodeInfo, ns: NsLabels, n: number): void {
  for (const t of existing.requiredAntiAffinityTerms) {
    const v = node.labels[t.topologyKey];
    if (v !== undefined && termMatches(t, pod, ns)) c.add(t.topologyKey, v, n);
  }
}

export function matchesAll(terms: readonly AffinityTerm[], target: PodInfo, ns: NsLabels): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, target, ns)) return false;
  return true;
}

/** The incoming pod's required affinity: pairs holding pods that match all of its terms. */
export function addAffinity(c: TopologyCounts, pod: PodInfo, existing: PodInfo, node: NodeInfo, ns: NsLabels, n: number): void {
  if (!matchesAll(pod.requiredAffinityTerms, existing, ns)) return;
  for (const t of pod.requiredAffinityTerms) {
    const v = node.labels[t.topologyKey];
    if (v !== undefined) c.add(t.topologyKey, v, n);
  }
}

/** The incoming pod's required anti-affinity: pairs holding pods matching any term. */
export function addAntiAffinity(c: TopologyCounts, pod: PodInfo, existing: PodInfo, node: NodeInfo, ns: NsLabels, n: number): void {
  for (const t of pod.requiredAntiAffinityTerms) {
    const v = node.labels[t.topologyKey];
    if (v !== undefined && termMatches(t, existing, ns)) c.add(t.topologyKey, v, n);
  }
}
