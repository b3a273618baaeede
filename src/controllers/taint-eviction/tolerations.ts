// The eviction decision of taint-based eviction (upstream pkg/controller/tainteviction), as a pure
// function so the timing rules are tested without a server.
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { toleratesTaint } from '../../api/index.ts';

export type EvictionDecision = { action: 'none' } | { action: 'delete'; reason: string } | { action: 'wait'; ms: number };

/**
 * What to do with a pod on a node carrying `taints` at `nowMs`: nothing (no NoExecute taint, or
 * every one tolerated forever), delete now (one not tolerated, or the shortest tolerationSeconds
 * among the tolerations in use has passed), or look again in `ms`. A taint's time starts at its
 * timeAdded, or at `firstSeenMs` (when this controller first saw the pod under it) when absent.
 */
export function evictionDecision(tolerations: readonly Toleration[], taints: readonly Taint[], opts: { nowMs: number; firstSeenMs: number }): EvictionDecision {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return { action: 'none' };
  let deadline = Infinity;
  for (const taint of noExecute) {
    const used = tolerations.filter((tol) => toleratesTaint(tol, taint));
    if (used.length === 0) return { action: 'delete', reason: `taint ${taint.key}:${taint.effect} not tolerated` };
    // The shortest bounded tolerationSeconds counts; tolerations without seconds only mean
    // "forever" when no matching toleration is bounded (upstream getMinTolerationTime).
    const bounded = used.filter((tol) => tol.tolerationSeconds !== undefined && tol.tolerationSeconds !== null);
    if (bounded.length === 0) continue;
    const secs = Math.max(0, Math.min(...bounded.map((tol) => tol.tolerationSeconds ?? 0)));
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : NaN;
    const start = Number.isNaN(added) ? opts.firstSeenMs : added;
    deadline = Math.min(deadline, start + secs * 1000);
  }
  if (deadline === Infinity) return { action: 'none' };
  if (opts.nowMs >= deadline) return { action: 'delete', reason: 'toleration period expired' };
  return { action: 'wait', ms: deadline - opts.nowMs };
}
