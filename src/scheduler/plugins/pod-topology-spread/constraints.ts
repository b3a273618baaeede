import type { Pod } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from '../../framework/node-info.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { isTerminating } from '../../framework/pod-info.ts';
import { selectorMatcher, type LabelMatch as LabelMatcher } from '../../../api/index.ts';
import { firstUntolerated } from '../../../api/index.ts';
import { requiredMatches } from '../node-affinity/node-affinity.ts';

export interface Constraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: LabelMatcher;
  readonly minDomains: number;
  readonly honorNodeAffinity: boolean;
  readonly honorNodeTaints: boolean;
}

export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export function constraintsOf(pod: Pod, when: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] {
  const labels = pod.metadata?.labels ?? {};
  return (pod.spec?.topologySpreadConstraints ?? [])
    .filter((c) => c.whenUnsatisfiable === when)
    .map((c) => {
      const extra: Record<string, string> = {};
      for (const k of c.matchLabelKeys ?? []) if (labels[k] !== undefined) extra[k] = labels[k];
      return {
        maxSkew: c.maxSkew,
        topologyKey: c.topologyKey,
        selector: selectorMatcher(c.labelSelector, { extra }),
        minDomains: c.minDomains ?? 1,
        honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
        honorNodeTaints: c.nodeTaintsPolicy === 'Honor',
      };
    });
}

/** Does the node carry every constraint's topology key? */
export function hasAllKeys(node: NodeInfo, constraints: readonly Constraint[]): boolean {
  for (const c of constraints) if (node.labels[c.topologyKey] === undefined) return false;
  return true;
}

/** nodeAffinityPolicy / nodeTaintsPolicy: whether this node's pods count for the constraint. */
export function nodeIncluded(c: Constraint, pod: PodInfo, node: NodeInfo): boolean {
  if (c.honorNodeAffinity && !requiredMatches(pod, node)) return false;
  if (c.honorNodeTaints && firstUntolerated(node.taints, pod.pod.spec?.tolerations ?? [], ['NoSchedule', 'NoExecute'])) return false;
  return true;
}

/** Pods in `ns` matching the selector, not terminating. */
export function countMatching(pods: readonly PodInfo[], selector: LabelMatcher, ns: string): number {
  let n = 0;
  for (const p of pods) if (p.namespace === ns && !isTerminating(p) && selector(p.labels)) n++;
  return n;
}
