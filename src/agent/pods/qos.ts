import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/index.ts';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const COMPUTE = ['cpu', 'memory'];

/** Upstream GetPodQOS (pod-level resources aside): every container counts, init ones included. */
export function podQos(pod: Pod): QosClass {
  const containers: Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of COMPUTE) {
      const rq = req[r];
      if (rq !== undefined && parseQuantity(rq) !== 0) requests.set(r, (requests.get(r) ?? 0) + parseQuantity(rq));
      const lm = lim[r];
      if (lm !== undefined && parseQuantity(lm) !== 0) limits.set(r, (limits.get(r) ?? 0) + parseQuantity(lm));
    }
    if (!COMPUTE.every((r) => lim[r] !== undefined && parseQuantity(lim[r]) !== 0)) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const r of COMPUTE) if (requests.has(r) && requests.get(r) !== limits.get(r)) guaranteed = false;
  }
  return guaranteed && limits.size === COMPUTE.length ? 'Guaranteed' : 'Burstable';
}

/**
 * Upstream GetContainerOOMScoreAdjust, shifted so it never goes below 0: this host cannot lower an
 * OOM score, so Guaranteed gets 0 (upstream -997) and Burstable 3..999, BestEffort 1000.
 */
export function oomScoreAdj(pod: Pod, container: Container, memoryCapacityBytes: number): number {
  const qos = podQos(pod);
  if (qos === 'Guaranteed') return 0;
  if (qos === 'BestEffort') return 1000;
  const req = container.resources?.requests?.memory;
  const memRequest = req === undefined ? 0 : parseQuantity(req);
  if (memoryCapacityBytes <= 0) return 999;
  const adj = Math.trunc(1000 - (1000 * memRequest) / memoryCapacityBytes);
  if (adj < 3) return 3;
  if (adj >= 1000) return 999;
  return adj;
}
