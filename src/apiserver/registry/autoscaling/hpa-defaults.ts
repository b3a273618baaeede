// autoscaling/v2 defaulting (upstream pkg/apis/autoscaling/v2/defaults.go): minReplicas 1, a CPU
// utilization target of 80% when no metric is given, and the default scaling rules filled into
// whatever behavior the user wrote (scale-up: no stabilization, the faster of +4 pods or +100% per
// 15 s; scale-down: the 300 s stabilization comes from the controller, at most -100% per 15 s).
import type { HPAScalingRules, HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { Writable } from '../common.ts';

export const DEFAULT_CPU_UTILIZATION = 80;

const scaleUpDefaults = (): HPAScalingRules => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
});

const scaleDownDefaults = (): HPAScalingRules => ({
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
});

function merged(given: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  // Not an object: left as given for validation to refuse.
  if (given === undefined) return defaults;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) return given;
  return {
    ...(given.stabilizationWindowSeconds !== undefined
      ? { stabilizationWindowSeconds: given.stabilizationWindowSeconds }
      : defaults.stabilizationWindowSeconds !== undefined
        ? { stabilizationWindowSeconds: defaults.stabilizationWindowSeconds }
        : {}),
    selectPolicy: given.selectPolicy ?? defaults.selectPolicy,
    policies: given.policies ?? defaults.policies,
  };
}

export function defaultHpaV2(hpa: Writable<HorizontalPodAutoscaler>): void {
  const spec = hpa.spec;
  if (!spec) return;
  const s = spec as Writable<typeof spec>;
  s.minReplicas ??= 1;
  if (s.metrics === undefined || (Array.isArray(s.metrics) && s.metrics.length === 0)) {
    s.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (s.behavior !== undefined && (typeof s.behavior !== 'object' || s.behavior === null)) return;
  s.behavior = {
    scaleUp: merged(s.behavior?.scaleUp, scaleUpDefaults()),
    scaleDown: merged(s.behavior?.scaleDown, scaleDownDefaults()),
  };
}
