import type { FilterPlugin, ScorePlugin } from '../../framework/interfaces.ts';
import { MAX_NODE_SCORE } from '../../framework/interfaces.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { newStatus, SUCCESS, type Status } from '../../framework/status.ts';

export const NAME = 'NodeResourcesFit';

export interface InsufficientResource {
  readonly resourceName: string;
  readonly reason: string;
  readonly requested: number;
  readonly used: number;
  readonly capacity: number;
  /** The request exceeds the node's whole allocatable: preemption cannot help. */
  readonly unresolvable: boolean;
}

/** What the pod lacks on this node (empty = fits). Same checks and order as upstream fitsRequest. */
export function fitsRequest(pod: PodInfo, node: NodeInfo): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = node.allocatable;
  const used = node.requested;
  const req = pod.requests;
  if (node.pods.length + 1 > alloc.allowedPodNumber) {
    out.push({ resourceName: 'pods', reason: 'Too many pods', requested: 1, used: node.pods.length, capacity: alloc.allowedPodNumber, unresolvable: false });
  }
  if (req.milliCpu === 0 && req.memory === 0 && req.ephemeralStorage === 0 && !req.scalar?.size) return out;
  const check = (name: string, r: number, u: number, c: number): void => {
    if (r > 0 && r > c - u) out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: r, used: u, capacity: c, unresolvable: r > c });
  };
  check('cpu', req.milliCpu, used.milliCpu, alloc.milliCpu);
  check('memory', req.memory, used.memory, alloc.memory);
  check('ephemeral-storage', req.ephemeralStorage, used.ephemeralStorage, alloc.ephemeralStorage);
  if (req.scalar) {
    for (const [name, r] of req.scalar) check(name, r, used.scalar?.get(name) ?? 0, alloc.scalar?.get(name) ?? 0);
  }
  return out;
}

/** Allocation-free pre-check for the common "fits" case. */
function fitsQuick(pod: PodInfo, node: NodeInfo): boolean {
  const a = node.allocatable;
  const u = node.requested;
  const r = pod.requests;
  if (node.pods.length + 1 > a.allowedPodNumber) return false;
  if (r.milliCpu > 0 && r.milliCpu > a.milliCpu - u.milliCpu) return false;
  if (r.memory > 0 && r.memory > a.memory - u.memory) return false;
  if (r.ephemeralStorage > 0 && r.ephemeralStorage > a.ephemeralStorage - u.ephemeralStorage) return false;
  return r.scalar === undefined || r.scalar.size === 0;
}

export function fitStatus(pod: PodInfo, node: NodeInfo): Status {
  if (fitsQuick(pod, node)) return SUCCESS;
  const insufficient = fitsRequest(pod, node);
  if (insufficient.length === 0) return SUCCESS;
  const code = insufficient.some((i) => i.unresolvable) ? 'UnschedulableAndUnresolvable' : 'Unschedulable';
  return newStatus(code, ...insufficient.map((i) => i.reason));
}

/** (capacity - requested) * 100 / capacity, integer, 0 when over capacity (upstream leastRequestedScore). */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/**
 * Filter: requests (with init containers, sidecars, overhead) must fit in allocatable minus what
 * the node's pods request; pod count must fit. Score (LeastAllocated, cpu and memory weight 1):
 * emptier nodes score higher, using non-zero requests so request-less pods still spread.
 */
export const nodeResourcesFit = {
  name: NAME,
  events: ['NodeAdd', 'NodeUpdate', 'AssignedPodDelete', 'AssignedPodUpdate'],
  filter(_state, pod, node) {
    return fitStatus(pod, node);
  },
  score(_state, pod, node) {
    const a = node.allocatable;
    let sum = 0;
    let weights = 0;
    if (a.milliCpu > 0) {
      sum += leastRequestedScore(node.nonZeroRequested.milliCpu + pod.nonZeroRequests.milliCpu, a.milliCpu);
      weights++;
    }
    if (a.memory > 0) {
      sum += leastRequestedScore(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, a.memory);
      weights++;
    }
    return weights === 0 ? 0 : Math.trunc(sum / weights);
  },
} satisfies FilterPlugin & ScorePlugin;
