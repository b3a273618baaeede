import type { ScorePlugin } from '../../framework/interfaces.ts';
import { MAX_NODE_SCORE } from '../../framework/interfaces.ts';

export const NAME = 'NodeResourcesBalancedAllocation';

/** (1 - standard deviation of the cpu/memory utilisation fractions) * 100, fractions capped at 1. */
export function balancedScore(fractions: readonly number[]): number {
  let std = 0;
  if (fractions.length === 2) {
    std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  } else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/**
 * Prefers nodes whose cpu and memory would be equally utilised after placing the pod. Uses the
 * real (not non-zero) requests of the pod and the node's pods, as upstream (useRequested).
 */
export const balancedAllocation = {
  name: NAME,
  events: ['NodeAdd', 'NodeUpdate', 'AssignedPodDelete'],
  score(_state, pod, node) {
    const a = node.allocatable;
    const cpu = a.milliCpu > 0 ? Math.min(1, (node.requested.milliCpu + pod.requests.milliCpu) / a.milliCpu) : -1;
    const memory = a.memory > 0 ? Math.min(1, (node.requested.memory + pod.requests.memory) / a.memory) : -1;
    // Runs for every feasible node of every cycle: the usual two fractions without an array.
    if (cpu >= 0 && memory >= 0) return Math.trunc((1 - Math.abs((cpu - memory) / 2)) * MAX_NODE_SCORE);
    return balancedScore(cpu >= 0 ? [cpu] : memory >= 0 ? [memory] : []);
  },
} satisfies ScorePlugin;
