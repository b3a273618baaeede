// Graceful deletion of pods (pkg/registry/core/pod/strategy.go CheckGracefulDelete).
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { DeleteOptions } from '../types.ts';

/**
 * Seconds the kubelet gets to stop the pod, or undefined to delete at once: the request's
 * gracePeriodSeconds, else the pod's terminationGracePeriodSeconds; 0 for a pod that never got a
 * node or already finished; negative values (allowed by old servers) become 1.
 */
export function podGracePeriod(pod: Pod, options: DeleteOptions): number | undefined {
  let period = options.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 0;
  if (!pod.spec?.nodeName) period = 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') period = 0;
  if (period < 0) period = 1;
  return period === 0 ? undefined : period;
}
