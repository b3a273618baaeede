// The HPA's status conditions (AbleToScale, ScalingActive, ScalingLimited): the transition time
// moves only when the status flips, as upstream's setConditionInList.
import type { HorizontalPodAutoscalerCondition } from 'kubernetes-types/autoscaling/v2.js';

export type HpaConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

export function setCondition(
  list: HorizontalPodAutoscalerCondition[],
  type: HpaConditionType,
  status: boolean,
  reason: string,
  message: string,
  now: string,
): HorizontalPodAutoscalerCondition[] {
  const s = status ? 'True' : 'False';
  const old = list.find((c) => c.type === type);
  const next: HorizontalPodAutoscalerCondition = {
    type,
    status: s,
    lastTransitionTime: old && old.status === s ? old.lastTransitionTime : now,
    reason,
    message,
  };
  return old ? list.map((c) => (c === old ? next : c)) : [...list, next];
}
