import type { CycleState, Handle, PostFilterPlugin, PostFilterResult } from '../../framework/interfaces.ts';
import { fitErrorMessage, newDiagnosis } from '../../framework/fit-error.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { SUCCESS, unresolvable, unschedulable, type Status } from '../../framework/status.ts';
import { pickOneNode, selectVictimsOnNode } from './select-victims.ts';

export const NAME = 'DefaultPreemption';
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NOT_ELIGIBLE_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const NOT_ELIGIBLE_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';

export interface DefaultPreemptionArgs {
  /** Dry-run at least this share of potential nodes... */
  readonly minCandidateNodesPercentage?: number;
  /** ...and at least this many. */
  readonly minCandidateNodesAbsolute?: number;
  readonly random?: () => number;
}

type Out = { status: Status; result?: PostFilterResult };

/**
 * PostFilter: when no node fits, find a node where evicting lower-priority pods (the fewest, least
 * important) makes the pod fit. Returns the nominated node and the victims; the scheduler deletes
 * the victims and records the nomination. Messages as upstream, prefixed "preemption: ".
 */
export function createDefaultPreemption(h: Handle, args: DefaultPreemptionArgs = {}) {
  const pct = args.minCandidateNodesPercentage ?? 10;
  const abs = args.minCandidateNodesAbsolute ?? 100;
  const random = args.random ?? Math.random;

  function eligible(pod: PodInfo, statuses: ReadonlyMap<string, Status>): string | undefined {
    if (pod.pod.spec?.preemptionPolicy === 'Never') return NOT_ELIGIBLE_NEVER;
    const nom = pod.pod.status?.nominatedNodeName;
    if (!nom || statuses.get(nom)?.code === 'UnschedulableAndUnresolvable') return undefined;
    const ni = h.lister.get(nom);
    for (const p of ni?.pods ?? []) {
      if (p.priority < pod.priority && p.pod.metadata?.deletionTimestamp) return NOT_ELIGIBLE_TERMINATING;
    }
    return undefined;
  }

  function preempt(state: CycleState, pod: PodInfo, statuses: ReadonlyMap<string, Status>): Out {
    const notEligible = eligible(pod, statuses);
    if (notEligible) return { status: unschedulable(notEligible) };
    const all = h.lister.list();
    const potential = all.filter((n) => statuses.get(n.name)?.code === 'Unschedulable');
    const d = newDiagnosis();
    d.absentStatus = unresolvable(NOT_HELPFUL);
    const candidates: Array<{ node: string; victims: PodInfo[] }> = [];
    if (potential.length > 0) {
      const want = Math.min(potential.length, Math.max(Math.trunc((potential.length * pct) / 100), abs));
      const offset = Math.floor(random() * potential.length);
      for (let i = 0; i < potential.length && candidates.length < want; i++) {
        const node = potential[(offset + i) % potential.length]!.clone();
        const out = selectVictimsOnNode(h.runner, state.clone(), pod, node);
        if ('victims' in out && out.victims.length > 0) candidates.push({ node: node.name, victims: out.victims });
        else d.nodeToStatus.set(node.name, 'status' in out ? out.status : unresolvable(`expected at least one victim pod on node "${node.name}"`));
      }
    }
    const best = pickOneNode(candidates);
    if (best === undefined) {
      return {
        status: unschedulable(fitErrorMessage({ numAllNodes: all.length, diagnosis: d })),
        result: { nominatedNodeName: '', victims: [] },
      };
    }
    return { status: SUCCESS, result: { nominatedNodeName: best, victims: candidates.find((c) => c.node === best)!.victims } };
  }

  return {
    name: NAME,
    postFilter(state, pod, statuses) {
      const out = preempt(state, pod, statuses);
      const msg = out.status.reasons.join(', ');
      return msg ? { ...out, status: { ...out.status, reasons: [`preemption: ${msg}`] } } : out;
    },
  } satisfies PostFilterPlugin;
}
