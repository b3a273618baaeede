import type { Toleration } from 'kubernetes-types/core/v1.js';
import type { FilterPlugin, ScorePlugin } from '../../framework/interfaces.ts';
import { defaultNormalizeScore } from '../../framework/normalize.ts';
import { SUCCESS, unresolvable } from '../../framework/status.ts';
import { firstUntolerated, tolerates } from '../../../api/index.ts';

export const NAME = 'TaintToleration';
const NO_TOLERATIONS: readonly Toleration[] = [];
const HARD = ['NoSchedule', 'NoExecute'] as const;

/**
 * Filter: a node with a NoSchedule/NoExecute taint the pod does not tolerate is rejected (not
 * resolvable by preemption). Score: fewer untolerated PreferNoSchedule taints is better.
 */
export const taintToleration = {
  name: NAME,
  events: ['NodeAdd', 'NodeUpdate'],
  filter(_state, pod, node) {
    if (node.taints.length === 0) return SUCCESS;
    const taint = firstUntolerated(node.taints, pod.pod.spec?.tolerations ?? NO_TOLERATIONS, HARD);
    return taint ? unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`) : SUCCESS;
  },
  score(_state, pod, node) {
    if (node.taints.length === 0) return 0;
    // Only tolerations that apply to PreferNoSchedule count here.
    const tolerations = (pod.pod.spec?.tolerations ?? NO_TOLERATIONS).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    let n = 0;
    for (const taint of node.taints) {
      if (taint.effect === 'PreferNoSchedule' && !tolerates(tolerations, taint)) n++;
    }
    return n;
  },
  normalizeScore(_state, _pod, scores) {
    defaultNormalizeScore(scores, true);
  },
} satisfies FilterPlugin & ScorePlugin;
