import type { Framework } from './framework.ts';
import { newDiagnosis, type FitError } from './fit-error.ts';
import { CycleState } from './interfaces.ts';
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';
import { isRejected, isSuccess, statusMessage, unresolvable } from './status.ts';

/** Below this many nodes every node is evaluated. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * How many feasible nodes to look for before scoring (upstream numFeasibleNodesToFind): all of
 * them under 100 nodes; otherwise `percentage`% (adaptive 50 - nodes/125, at least 5%), never
 * fewer than 100.
 */
export function numFeasibleNodesToFind(percentage: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let p = percentage ?? 0;
  if (p <= 0) p = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, 50 - Math.trunc(numAllNodes / 125));
  const n = Math.trunc((numAllNodes * p) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}

/** Round-robin position carried from one cycle to the next, so all nodes get their turn. */
export interface ScheduleContext {
  nextStartNodeIndex: number;
  readonly random: () => number;
}

export type ScheduleResult =
  | { readonly kind: 'scheduled'; readonly nodeName: string; readonly evaluatedNodes: number; readonly feasibleNodes: number }
  | { readonly kind: 'unschedulable'; readonly fitError: FitError }
  /** No node is registered: unschedulable with nothing to preempt, as upstream (not an error to back off from). */
  | { readonly kind: 'noNodes' }
  | { readonly kind: 'error'; readonly message: string };

/**
 * One pod's scheduling algorithm (upstream schedulePod): PreFilter → Filter over a rotating window
 * of nodes until enough feasible ones are found → PreScore/Score/normalize/weight → pick the best,
 * ties broken uniformly at random. Synchronous: the cluster view cannot change underneath it.
 */
export function schedulePod(fwk: Framework, state: CycleState, pod: PodInfo, ctx: ScheduleContext): ScheduleResult {
  const allNodes = fwk.handle.lister.list();
  if (allNodes.length === 0) return { kind: 'noNodes' };
  const diagnosis = newDiagnosis();
  const fitError = (): ScheduleResult => ({ kind: 'unschedulable', fitError: { numAllNodes: allNodes.length, diagnosis } });

  const pre = fwk.runPreFilter(state, pod, allNodes);
  if (!isSuccess(pre.status)) {
    if (!isRejected(pre.status)) return { kind: 'error', message: statusMessage(pre.status) };
    for (const n of allNodes) diagnosis.nodeToStatus.set(n.name, pre.status);
    diagnosis.preFilterMsg = statusMessage(pre.status);
    if (pre.status.plugin) diagnosis.unschedulablePlugins.add(pre.status.plugin);
    return fitError();
  }
  let nodes = allNodes;
  if (pre.nodeNames) {
    nodes = allNodes.filter((n) => pre.nodeNames!.has(n.name));
    diagnosis.absentStatus = unresolvable(`node(s) didn't satisfy plugin(s) [${pre.narrowedBy.join(' ')}]`);
  }

  // A pod that preempted tries its nominated node first.
  const nominated = pod.pod.status?.nominatedNodeName;
  if (nominated) {
    const ni = fwk.handle.lister.get(nominated);
    if (ni?.node && isSuccess(fwk.runFilterWithNominatedPods(state, pod, ni))) {
      return { kind: 'scheduled', nodeName: nominated, evaluatedNodes: 1, feasibleNodes: 1 };
    }
  }

  const want = numFeasibleNodesToFind(fwk.profile.percentageOfNodesToScore, nodes.length);
  const feasible: NodeInfo[] = [];
  const n = nodes.length;
  const start = ctx.nextStartNodeIndex % n;
  let processed = 0;
  for (let i = 0; i < n && feasible.length < want; i++) {
    const ni = nodes[(start + i) % n]!;
    processed++;
    const s = fwk.runFilterWithNominatedPods(state, pod, ni);
    if (s.code === 'Success') {
      feasible.push(ni);
    } else if (isRejected(s)) {
      diagnosis.nodeToStatus.set(ni.name, s);
      if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
    } else {
      return { kind: 'error', message: statusMessage(s) };
    }
  }
  ctx.nextStartNodeIndex = (start + processed) % n;

  if (feasible.length === 0) return fitError();
  if (feasible.length === 1) {
    return { kind: 'scheduled', nodeName: feasible[0]!.name, evaluatedNodes: processed, feasibleNodes: 1 };
  }
  const ps = fwk.runPreScore(state, pod, feasible);
  if (!isSuccess(ps)) return { kind: 'error', message: statusMessage(ps) };
  const scores = fwk.runScore(state, pod, feasible);
  return {
    kind: 'scheduled',
    nodeName: selectHost(feasible, scores, ctx.random),
    evaluatedNodes: processed,
    feasibleNodes: feasible.length,
  };
}

/** Highest total score; ties broken uniformly at random (reservoir sampling). */
export function selectHost(nodes: readonly NodeInfo[], scores: Float64Array, random: () => number): string {
  let best = 0;
  let ties = 1;
  for (let i = 1; i < nodes.length; i++) {
    const s = scores[i]!;
    if (s > scores[best]!) {
      best = i;
      ties = 1;
    } else if (s === scores[best]!) {
      ties++;
      if (random() * ties < 1) best = i;
    }
  }
  return nodes[best]!.name;
}

export { CycleState };
