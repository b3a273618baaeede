import type { CycleState, FilterRunner } from '../../framework/interfaces.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { isSuccess, unresolvable, type Status } from '../../framework/status.ts';

export const NO_VICTIMS = 'No preemption victims found for incoming pod';

const startTime = (p: PodInfo): number => {
  const t = p.pod.status?.startTime;
  return t ? Date.parse(t) : Number.MAX_SAFE_INTEGER;
};

/** Higher priority first; among equals, the pod that started earlier is more important. */
export function moreImportant(a: PodInfo, b: PodInfo): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return startTime(a) - startTime(b);
}

/**
 * The minimal set of lower-priority pods to evict from `node` (a private copy; mutated) so that
 * `pod` fits: remove every lower-priority pod, check the pod fits, then add pods back from the
 * most important down, keeping out only those whose return breaks the fit.
 */
export function selectVictimsOnNode(runner: FilterRunner, state: CycleState, pod: PodInfo, node: NodeInfo): { victims: PodInfo[] } | { status: Status } {
  const potential = node.pods.filter((p) => p.priority < pod.priority);
  if (potential.length === 0) return { status: unresolvable(NO_VICTIMS) };
  for (const p of potential) {
    node.removePod(p.key);
    const s = runner.runRemovePod(state, pod, p, node);
    if (!isSuccess(s)) return { status: s };
  }
  const fits = runner.runFilterWithNominatedPods(state, pod, node);
  if (!isSuccess(fits)) return { status: fits };
  potential.sort(moreImportant);
  const victims: PodInfo[] = [];
  for (const p of potential) {
    node.addPod(p);
    runner.runAddPod(state, pod, p, node);
    if (!isSuccess(runner.runFilterWithNominatedPods(state, pod, node))) {
      node.removePod(p.key);
      runner.runRemovePod(state, pod, p, node);
      victims.push(p);
    }
  }
  return { victims };
}

/**
 * Upstream pickOneNodeForPreemption without PDBs: lowest highest-victim priority, then lowest sum
 * of priorities, then fewest victims, then latest start of the most important victims, then first.
 */
export function pickOneNode(candidates: ReadonlyArray<{ node: string; victims: readonly PodInfo[] }>): string | undefined {
  let pool = [...candidates];
  const MAX_INT32 = 2147483647;
  const earliestTopStart = (v: readonly PodInfo[]): number => {
    const top = v[0]?.priority;
    let min = Infinity;
    for (const p of v) if (p.priority === top) min = Math.min(min, startTime(p));
    return min;
  };
  const scoreFns: Array<(c: (typeof pool)[number]) => number> = [
    (c) => -(c.victims[0]?.priority ?? 0),
    (c) => -c.victims.reduce((a, p) => a + p.priority + MAX_INT32 + 1, 0),
    (c) => -c.victims.length,
    (c) => earliestTopStart(c.victims),
  ];
  for (const f of scoreFns) {
    if (pool.length <= 1) break;
    let best = -Infinity;
    let next: typeof pool = [];
    for (const c of pool) {
      const s = f(c);
      if (s > best) {
        best = s;
        next = [c];
      } else if (s === best) next.push(c);
    }
    pool = next;
  }
  return pool[0]?.node;
}
