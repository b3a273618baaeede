// The HPA's replica arithmetic for resource metrics (upstream pkg/controller/podautoscaler/
// replica_calculator.go): desired = ceil(current usage / target × ready pods), left alone within
// the tolerance, with upstream's care for pods that have no metrics yet (assumed to use the target
// — or nothing — whichever dampens the change) and unready pods (counted as using nothing when
// scaling up, so a rollout's cold pods do not trigger a second scale-up).
import type { Pod } from 'kubernetes-types/core/v1.js';

export const DEFAULT_TOLERANCE = 0.1;
/** Upstream --horizontal-pod-autoscaler-cpu-initialization-period. */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** Upstream --horizontal-pod-autoscaler-initial-readiness-delay. */
export const INITIAL_READINESS_DELAY_MS = 30_000;

export interface PodMetric {
  /** Usage summed over the pod's containers: millicores for cpu, bytes for memory. */
  value: number;
  /** When it was measured and over which window (ms). */
  timestampMs: number;
  windowMs: number;
}

export interface ResourceTarget {
  /** Percentage of the pods' requests (Utilization). */
  utilization?: number;
  /** Average per pod (AverageValue), in the metric's unit. */
  averageValue?: number;
}

export interface ReplicaInput {
  resource: string;
  currentReplicas: number;
  pods: readonly Pod[];
  metrics: ReadonlyMap<string, PodMetric>;
  target: ResourceTarget;
  nowMs: number;
  tolerance?: number;
}

export interface ReplicaResult {
  replicas: number;
  /** Integer percentage of requests (Utilization targets). */
  utilization?: number;
  /** Average usage per pod with metrics. */
  averageValue: number;
}

/** A failure the controller reports in the ScalingActive condition (message is upstream's). */
export class MetricError extends Error {}

interface Groups {
  ready: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

function readyCondition(pod: Pod): { status: string; lastTransitionMs: number } | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready');
  return c ? { status: c.status, lastTransitionMs: c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0 } : undefined;
}

/** Upstream groupPods: which pods count, which are unready (CPU only), which lack metrics. */
export function groupPods(pods: readonly Pod[], metrics: ReadonlyMap<string, PodMetric>, resource: string, nowMs: number): Groups {
  const g: Groups = { ready: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed' || pod.status?.phase === 'Pending') {
      g.ignored.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const cond = readyCondition(pod);
      const startMs = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
      let unready: boolean;
      if (!cond || startMs === undefined) unready = true;
      else if (startMs + CPU_INITIALIZATION_PERIOD_MS > nowMs) {
        // Still starting: a sample taken before one full window since it turned Ready is not trusted.
        unready = cond.status === 'False' || metric.timestampMs < cond.lastTransitionMs + metric.windowMs;
      } else {
        // Unready and never ready since start: ignore its metric.
        unready = cond.status === 'False' && startMs + INITIAL_READINESS_DELAY_MS > cond.lastTransitionMs;
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.ready++;
  }
  return g;
}

/** Sum of the pods' container requests for `resource` (millicores / bytes); upstream fails on any missing one. */
export function podRequests(pods: readonly Pod[], resource: string, parse: (q: string | number) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.spec?.containers ?? []) {
      const q = c.resources?.requests?.[resource];
      if (q === undefined) throw new MetricError(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name ?? ''}`);
      sum += parse(q);
    }
    out.set(pod.metadata?.name ?? '', sum);
  }
  return out;
}

function utilizationRatio(
  metrics: ReadonlyMap<string, number>,
  requests: ReadonlyMap<string, number>,
  target: number,
): { ratio: number; utilization: number; average: number } {
  let used = 0;
  let requested = 0;
  let n = 0;
  for (const [name, v] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    used += v;
    requested += r;
    n++;
  }
  if (requested === 0) throw new MetricError('no metrics returned matched known pods');
  const utilization = Math.trunc((used * 100) / requested);
  return { ratio: utilization / target, utilization, average: used / n };
}

function averageRatio(metrics: ReadonlyMap<string, number>, target: number): { ratio: number; average: number } {
  let used = 0;
  for (const v of metrics.values()) used += v;
  const average = used / metrics.size;
  return { ratio: average / target, average };
}

/**
 * Desired replicas for one resource metric. Throws MetricError when no usable metric exists.
 * `requests` is needed for Utilization targets only.
 */
export function resourceReplicas(input: ReplicaInput, requests?: ReadonlyMap<string, number>): ReplicaResult {
  const tolerance = input.tolerance ?? DEFAULT_TOLERANCE;
  if (input.pods.length === 0) throw new MetricError('no pods returned by selector while calculating replica count');
  const g = groupPods(input.pods, input.metrics, input.resource, input.nowMs);
  const values = new Map<string, number>();
  for (const [name, m] of input.metrics)
    if (!g.ignored.has(name) && !g.unready.has(name) && input.pods.some((p) => p.metadata?.name === name)) values.set(name, m.value);
  if (values.size === 0) throw new MetricError('did not receive metrics for targeted pods (pods might be unready)');

  const utilizationTarget = input.target.utilization;
  const compute = (m: ReadonlyMap<string, number>): { ratio: number; utilization?: number; average: number } => {
    if (utilizationTarget !== undefined) return utilizationRatio(m, requests ?? new Map(), utilizationTarget);
    return averageRatio(m, input.target.averageValue ?? 1);
  };
  const first = compute(values);
  const result = (replicas: number): ReplicaResult => ({ replicas, utilization: first.utilization, averageValue: first.average });
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= tolerance) return result(input.currentReplicas);
    return result(Math.ceil(first.ratio * g.ready));
  }
  // Dampen: pods without metrics use the target (or 100% of request) when scaling down, nothing when scaling up.
  if (g.missing.size > 0) {
    for (const name of g.missing) {
      if (first.ratio < 1) {
        const fallback =
          utilizationTarget !== undefined ? ((requests?.get(name) ?? 0) * Math.max(100, utilizationTarget)) / 100 : (input.target.averageValue ?? 0);
        values.set(name, fallback);
      } else if (first.ratio > 1) values.set(name, 0);
    }
  }
  if (scaleUpWithUnready) for (const name of g.unready) values.set(name, 0);
  const next = compute(values);
  if (Math.abs(1 - next.ratio) <= tolerance || (first.ratio < 1 && next.ratio > 1) || (first.ratio > 1 && next.ratio < 1)) {
    return result(input.currentReplicas);
  }
  const replicas = Math.ceil(next.ratio * values.size);
  if ((next.ratio < 1 && replicas > input.currentReplicas) || (next.ratio > 1 && replicas < input.currentReplicas)) return result(input.currentReplicas);
  return result(replicas);
}
