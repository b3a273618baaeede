// autoscaling/v1 ⇄ autoscaling/v2 for HorizontalPodAutoscaler, as upstream converts: v1 has one
// CPU utilization target; everything else v2 holds (other metrics, behavior, conditions, other
// current metrics) rides in v1 annotations, so a v1 client's round trip keeps it.
import type { HorizontalPodAutoscaler as V1Hpa } from 'kubernetes-types/autoscaling/v1.js';
import type { HorizontalPodAutoscaler as V2Hpa, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { KObject } from '../types.ts';

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ALL = [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

const isCpuUtilization = (m: MetricSpec): boolean => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.type === 'Utilization';
const isCpuStatus = (m: MetricStatus): boolean => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.current.averageUtilization !== undefined;

function parse(v: string | undefined): unknown {
  if (!v) return undefined;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A list of objects from an annotation; anything else a user wrote there is ignored. */
function parseList<T>(v: string | undefined): T[] {
  const parsed = parse(v);
  return Array.isArray(parsed) ? (parsed.filter(isObject) as T[]) : [];
}

export function hpaV2ToV1(obj: KObject): KObject {
  const h = obj as unknown as V2Hpa;
  const annotations: Record<string, string> = { ...(h.metadata?.annotations ?? {}) };
  const metrics = h.spec?.metrics ?? [];
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => m !== cpu);
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  if (h.spec?.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(h.spec.behavior);
  const current = h.status?.currentMetrics ?? [];
  const cpuNow = current.find(isCpuStatus);
  const otherNow = current.filter((m) => m !== cpuNow);
  if (otherNow.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(otherNow);
  if (h.status?.conditions?.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(h.status.conditions);
  const v1: V1Hpa = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...h.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: h.spec && {
      scaleTargetRef: h.spec.scaleTargetRef,
      ...(h.spec.minReplicas !== undefined ? { minReplicas: h.spec.minReplicas } : {}),
      maxReplicas: h.spec.maxReplicas,
      ...(cpu?.resource?.target.averageUtilization !== undefined ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization } : {}),
    },
    status: h.status && {
      ...(h.status.observedGeneration !== undefined ? { observedGeneration: h.status.observedGeneration } : {}),
      ...(h.status.lastScaleTime ? { lastScaleTime: h.status.lastScaleTime } : {}),
      currentReplicas: h.status.currentReplicas ?? 0,
      desiredReplicas: h.status.desiredReplicas,
      ...(cpuNow?.resource?.current.averageUtilization !== undefined ? { currentCPUUtilizationPercentage: cpuNow.resource.current.averageUtilization } : {}),
    },
  };
  return v1 as unknown as KObject;
}

export function hpaV1ToV2(obj: KObject): KObject {
  const h = obj as unknown as V1Hpa;
  const a = h.metadata?.annotations ?? {};
  const annotations = Object.fromEntries(Object.entries(a).filter(([k]) => !ALL.includes(k)));
  const metrics: MetricSpec[] = [];
  if (h.spec?.targetCPUUtilizationPercentage !== undefined) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: h.spec.targetCPUUtilizationPercentage } } });
  }
  metrics.push(...parseList<MetricSpec>(a[METRICS_ANNOTATION]));
  const current: MetricStatus[] = [];
  if (h.status?.currentCPUUtilizationPercentage !== undefined) {
    current.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: h.status.currentCPUUtilizationPercentage } } });
  }
  current.push(...parseList<MetricStatus>(a[CURRENT_METRICS_ANNOTATION]));
  const parsedBehavior = parse(a[BEHAVIOR_ANNOTATION]);
  const behavior = isObject(parsedBehavior) ? (parsedBehavior as NonNullable<V2Hpa['spec']>['behavior']) : undefined;
  const parsedConditions = parseList<NonNullable<NonNullable<V2Hpa['status']>['conditions']>[number]>(a[CONDITIONS_ANNOTATION]);
  const conditions = parsedConditions.length ? parsedConditions : undefined;
  const { annotations: _drop, ...meta } = h.metadata ?? {};
  const v2: V2Hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...meta, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: h.spec && {
      scaleTargetRef: h.spec.scaleTargetRef,
      ...(h.spec.minReplicas !== undefined ? { minReplicas: h.spec.minReplicas } : {}),
      maxReplicas: h.spec.maxReplicas,
      ...(metrics.length ? { metrics } : {}),
      ...(behavior ? { behavior } : {}),
    },
    status: h.status && {
      ...(h.status.observedGeneration !== undefined ? { observedGeneration: h.status.observedGeneration } : {}),
      ...(h.status.lastScaleTime ? { lastScaleTime: h.status.lastScaleTime } : {}),
      currentReplicas: h.status.currentReplicas,
      desiredReplicas: h.status.desiredReplicas,
      ...(current.length ? { currentMetrics: current } : {}),
      ...(conditions ? { conditions } : {}),
    },
  };
  return v2 as unknown as KObject;
}
