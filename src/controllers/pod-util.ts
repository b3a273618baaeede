// Pod predicates controllers share (upstream podutil / controller_utils): active, ready, available
// after minReadySeconds, and the ActivePods ranking used to choose which surplus pods go first.
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';

export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

function readyCondition(pod: Pod): PodCondition | undefined {
  return (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** Ready for at least `minReadySeconds` at `nowMs`. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= nowMs;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function readyTime(pod: Pod): number {
  const t = readyCondition(pod)?.lastTransitionTime;
  return t ? Date.parse(t) : 0;
}

function restarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => Math.max(n, c.restartCount ?? 0), 0);
}

/**
 * Orders pods "delete me first" first, as upstream ActivePodsWithRanks: unscheduled before
 * scheduled, Pending < Unknown < Running, not ready before ready, more co-located siblings
 * (`rank`) first, ready for less time first, more restarts first, newer first.
 */
export function compareForDeletion(a: Pod, b: Pod, rank: (p: Pod) => number = () => 0): number {
  const an = a.spec?.nodeName ? 1 : 0;
  const bn = b.spec?.nodeName ? 1 : 0;
  if (an !== bn) return an - bn;
  const ap = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
  const bp = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = isPodReady(a) ? 1 : 0;
  const br = isPodReady(b) ? 1 : 0;
  if (ar !== br) return ar - br;
  const ak = rank(a);
  const bk = rank(b);
  if (ak !== bk) return bk - ak;
  if (ar && br) {
    const at = readyTime(a);
    const bt = readyTime(b);
    if (at !== bt) return bt - at;
  }
  const rr = restarts(b) - restarts(a);
  if (rr !== 0) return rr;
  const ac = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const bc = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  return bc - ac;
}
