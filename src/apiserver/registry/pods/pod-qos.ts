// QoS class of a pod (pkg/apis/core/helper/qos GetPodQOS): only cpu and memory count.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { tryParseQuantityValue } from '../../../api/index.ts';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const qosResources = new Set(['cpu', 'memory']);

function positiveNanos(v: unknown): bigint | undefined {
  const r = tryParseQuantityValue(v);
  return r.ok && r.quantity.nanos > 0n ? r.quantity.nanos : undefined;
}

export function podQOSClass(pod: Pod): QOSClass {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const [name, q] of Object.entries(c.resources?.requests ?? {})) {
      const n = qosResources.has(name) ? positiveNanos(q) : undefined;
      if (n !== undefined) requests.set(name, (requests.get(name) ?? 0n) + n);
    }
    const found = new Set<string>();
    for (const [name, q] of Object.entries(c.resources?.limits ?? {})) {
      const n = qosResources.has(name) ? positiveNanos(q) : undefined;
      if (n !== undefined) {
        found.add(name);
        limits.set(name, (limits.get(name) ?? 0n) + n);
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      if (limits.get(name) !== req) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
