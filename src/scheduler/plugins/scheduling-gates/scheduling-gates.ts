import type { PreEnqueuePlugin } from '../../framework/interfaces.ts';
import { SUCCESS, unresolvable } from '../../framework/status.ts';

export const NAME = 'SchedulingGates';
/** PodScheduled condition reason the apiserver sets on gated pods. */
export const REASON_SCHEDULING_GATED = 'SchedulingGated';
export const MESSAGE_SCHEDULING_GATED = 'Scheduling is blocked due to non-empty scheduling gates';

/** Pods with spec.schedulingGates stay out of activeQ until the last gate is removed. */
export const schedulingGates = {
  name: NAME,
  events: ['UnscheduledPodUpdate'],
  preEnqueue(pod) {
    const gates = pod.pod.spec?.schedulingGates ?? [];
    if (gates.length === 0) return SUCCESS;
    return unresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
  },
} satisfies PreEnqueuePlugin;
