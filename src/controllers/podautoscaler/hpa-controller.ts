// The horizontal pod autoscaler controller (upstream pkg/controller/podautoscaler/horizontal.go):
// every sync period each HPA reads its target's /scale, the pods' usage from metrics.k8s.io and
// their requests, computes the desired replicas per metric (replica-calculator), takes the
// largest, stabilizes and rate-limits it (behavior), writes /scale when it changed, and reports
// status, conditions and events with upstream's reasons and messages.
//
//   reconcile(key) ─► get scale ─► replicas 0? ─► ScalingDisabled
//                  │            └► outside min..max? ─► clamp
//                  └► metrics ─► desired ─► behavior ─► /scale update ─► SuccessfulRescale
//                  ─► status (currentMetrics, conditions) ─► requeue after the sync period
import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerBehavior,
  HorizontalPodAutoscalerCondition,
  MetricSpec,
  MetricStatus,
} from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  createEventRecorder,
  createWorkQueue,
  isConflict,
  isNotFound,
  keyOf,
  resources,
  runController,
  splitKey,
  type EventRecorder,
  type ResourceRef,
} from '../../client/index.ts';
import { milliValue, quantityValue, rfc3339 } from '../../api/index.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { BehaviorState, type BehaviorRules } from './behavior.ts';
import { setCondition } from './hpa-conditions.ts';
import { fetchPodMetrics } from './pod-metrics.ts';
import { MetricError, podRequests, resourceReplicas, DEFAULT_TOLERANCE } from './replica-calculator.ts';
import { getScale, updateScale } from './scale-target.ts';

export const HPA_RESOURCE: ResourceRef = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', namespaced: true };

export interface HpaControllerOptions {
  /** Upstream --horizontal-pod-autoscaler-sync-period (15 s). */
  syncPeriodMs?: number;
  /** Upstream --horizontal-pod-autoscaler-downscale-stabilization (5 min), for HPAs that set none. */
  downscaleStabilizationMs?: number;
  /** Upstream --horizontal-pod-autoscaler-tolerance (0.1). */
  tolerance?: number;
}

export const DEFAULT_HPA_SYNC_PERIOD_MS = 15_000;
const DEFAULT_DOWNSCALE_STABILIZATION_MS = 300_000;

function quantity(resource: string, v: number): string {
  if (resource !== 'cpu') return String(Math.round(v));
  const m = Math.round(v);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

interface MetricOutcome {
  replicas: number;
  name: string;
  status: MetricStatus;
}

export function createHpaController(deps: ControllerDeps, opts: HpaControllerOptions = {}): Controller {
  const { client, clock, logger } = deps;
  const syncPeriodMs = opts.syncPeriodMs ?? DEFAULT_HPA_SYNC_PERIOD_MS;
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  const downscaleWindowSeconds = (opts.downscaleStabilizationMs ?? DEFAULT_DOWNSCALE_STABILIZATION_MS) / 1000;
  const queue = createWorkQueue<string>({ name: 'horizontalpodautoscaler', clock });
  const hpas = deps.informers.informerFor<HorizontalPodAutoscaler>(HPA_RESOURCE);
  const recorder: EventRecorder = createEventRecorder(client, { component: 'horizontal-pod-autoscaler', clock, logger });
  const behavior = new BehaviorState();
  hpas.on('add', (h) => queue.add(keyOf(h)));
  hpas.on('update', (o, h) => {
    // Our own status writes come back as updates: only spec changes need an early sync.
    if (JSON.stringify(o.spec) !== JSON.stringify(h.spec)) queue.add(keyOf(h));
  });
  hpas.on('delete', (h) => behavior.forget(keyOf(h)));

  const event = (hpa: HorizontalPodAutoscaler, type: 'Normal' | 'Warning', reason: string, message: string): void =>
    recorder.event(hpa as never, { type, reason, message, kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2' });

  async function resourceMetric(
    spec: MetricSpec,
    ctx: { namespace: string; selector: string; current: number; pods: Pod[]; signal: AbortSignal },
  ): Promise<MetricOutcome> {
    const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
    if (!src) throw new MetricError(`invalid metric source: ${spec.type} is not set`);
    const resource = src.name;
    const container = spec.type === 'ContainerResource' ? spec.containerResource?.container : undefined;
    const utilization = src.target.type === 'Utilization' ? src.target.averageUtilization : undefined;
    const what = utilization !== undefined ? `${resource} utilization` : `${resource} usage`;
    let metrics: Awaited<ReturnType<typeof fetchPodMetrics>>;
    try {
      metrics = await fetchPodMetrics(client, { namespace: ctx.namespace, selector: ctx.selector, resource, container, signal: ctx.signal });
    } catch (e) {
      throw new MetricError(
        `failed to get ${what}: unable to get metrics for resource ${resource}: unable to fetch metrics from resource metrics API: ${(e as Error).message}`,
      );
    }
    if (metrics.size === 0)
      throw new MetricError(`failed to get ${what}: unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
    const parse = resource === 'cpu' ? milliValue : quantityValue;
    try {
      const pods = container
        ? ctx.pods.map((p) => ({ ...p, spec: p.spec && { ...p.spec, containers: p.spec.containers.filter((c) => c.name === container) } }))
        : ctx.pods;
      const requests = utilization !== undefined ? podRequests(pods, resource, parse) : undefined;
      const target = utilization !== undefined ? { utilization } : { averageValue: parse(String(src.target.averageValue ?? '0')) };
      const r = resourceReplicas({ resource, currentReplicas: ctx.current, pods: ctx.pods, metrics, target, nowMs: clock.now(), tolerance }, requests);
      const current = { ...(r.utilization !== undefined ? { averageUtilization: r.utilization } : {}), averageValue: quantity(resource, r.averageValue) };
      const status: MetricStatus =
        spec.type === 'Resource'
          ? { type: 'Resource', resource: { name: resource, current } }
          : { type: 'ContainerResource', containerResource: { name: resource, container: container ?? '', current } };
      const name = utilization !== undefined ? `${resource} resource utilization (percentage of request)` : `${resource} resource`;
      return { replicas: r.replicas, name: spec.type === 'ContainerResource' ? `${name} for container ${container}` : name, status };
    } catch (e) {
      if (e instanceof MetricError) throw new MetricError(`failed to get ${what}: ${e.message}`);
      throw e;
    }
  }

  /** The HPA's behavior with upstream's defaults; a scale-down window it leaves unset is the controller's flag. */
  const behaviorRules = (b: HorizontalPodAutoscalerBehavior | undefined): BehaviorRules => ({
    scaleUp: b?.scaleUp ?? {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: {
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      ...b?.scaleDown,
      stabilizationWindowSeconds: b?.scaleDown?.stabilizationWindowSeconds ?? downscaleWindowSeconds,
    },
  });

  async function reconcile(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const hpa = hpas.store.get(key);
    if (!hpa?.spec) return;
    const { namespace = '' } = splitKey(key);
    const now = clock.now();
    const nowIso = rfc3339(now);
    const spec = hpa.spec;
    let conditions: HorizontalPodAutoscalerCondition[] = [...(hpa.status?.conditions ?? [])];
    const reference = `${spec.scaleTargetRef.kind}/${spec.scaleTargetRef.name}`;
    const writeStatus = async (status: NonNullable<HorizontalPodAutoscaler['status']>): Promise<void> => {
      if (JSON.stringify(status) === JSON.stringify(hpa.status)) return;
      try {
        await client.update<HorizontalPodAutoscaler>(HPA_RESOURCE, namespace, { ...hpa, status }, { subresource: 'status', signal });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    };
    const again = { requeueAfterMs: syncPeriodMs };

    let scale: Awaited<ReturnType<typeof getScale>>;
    try {
      scale = await getScale(client, namespace, spec.scaleTargetRef, signal);
    } catch (e) {
      if (signal.aborted) throw e;
      const msg = (e as Error).message;
      event(hpa, 'Warning', 'FailedGetScale', msg);
      conditions = setCondition(
        conditions,
        'AbleToScale',
        false,
        'FailedGetScale',
        `the HPA controller was unable to get the target's current scale: ${msg}`,
        nowIso,
      );
      await writeStatus({ ...hpa.status, desiredReplicas: hpa.status?.desiredReplicas ?? 0, conditions });
      return again;
    }
    const currentReplicas = scale.status?.replicas ?? 0;
    const minReplicas = spec.minReplicas ?? 1;
    const rules = behaviorRules(spec.behavior);
    let desired = 0;
    let rescaleReason = '';
    let rescale = true;
    let currentMetrics: MetricStatus[] | undefined = hpa.status?.currentMetrics;
    const status = (desiredReplicas: number, lastScaleTime = hpa.status?.lastScaleTime): NonNullable<HorizontalPodAutoscaler['status']> => ({
      ...(lastScaleTime ? { lastScaleTime } : {}),
      currentReplicas,
      desiredReplicas,
      ...(currentMetrics ? { currentMetrics } : {}),
      conditions,
    });

    if ((scale.spec?.replicas ?? 0) === 0 && minReplicas !== 0) {
      rescale = false;
      conditions = setCondition(
        conditions,
        'ScalingActive',
        false,
        'ScalingDisabled',
        'scaling is disabled since the replica count of the target is zero',
        nowIso,
      );
    } else if (currentReplicas > spec.maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desired = spec.maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desired = minReplicas;
    } else {
      const selector = scale.status?.selector ?? '';
      if (!selector) {
        event(hpa, 'Warning', 'SelectorRequired', 'selector is required');
        conditions = setCondition(conditions, 'ScalingActive', false, 'InvalidSelector', "the HPA target's scale is missing a selector", nowIso);
        await writeStatus(status(hpa.status?.desiredReplicas ?? 0));
        return again;
      }
      const pods = (await client.list<Pod>(resources.pods, namespace, { labelSelector: selector, signal })).items;
      const outcomes: MetricOutcome[] = [];
      const statuses: MetricStatus[] = [];
      let lastError: { reason: string; message: string } | undefined;
      for (const m of spec.metrics ?? []) {
        if (m.type !== 'Resource' && m.type !== 'ContainerResource') {
          lastError = { reason: `FailedGet${m.type}Metric`, message: `unable to get metric of type ${m.type}: no custom or external metrics API is served` };
          event(hpa, 'Warning', lastError.reason, lastError.message);
          statuses.push({ type: m.type });
          continue;
        }
        try {
          const o = await resourceMetric(m, { namespace, selector, current: currentReplicas, pods, signal });
          outcomes.push(o);
          statuses.push(o.status);
        } catch (e) {
          if (!(e instanceof MetricError)) throw e;
          const reason = m.type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric';
          lastError = { reason, message: e.message };
          event(hpa, 'Warning', reason, e.message);
          statuses.push({ type: m.type });
        }
      }
      currentMetrics = statuses.some((st) => st.resource || st.containerResource) ? statuses : undefined;
      if (outcomes.length === 0) {
        const err = lastError ?? { reason: 'FailedGetResourceMetric', message: 'no metrics to compute from' };
        conditions = setCondition(conditions, 'ScalingActive', false, err.reason, `the HPA was unable to compute the replica count: ${err.message}`, nowIso);
        event(
          hpa,
          'Warning',
          'FailedComputeMetricsReplicas',
          `invalid metrics (${spec.metrics?.length ?? 0} invalid out of ${spec.metrics?.length ?? 0}), first error is: ${err.message}`,
        );
        await writeStatus(status(hpa.status?.desiredReplicas ?? 0));
        return again;
      }
      const best = outcomes.reduce((a, b) => (b.replicas > a.replicas ? b : a));
      conditions = setCondition(
        conditions,
        'ScalingActive',
        true,
        'ValidMetricFound',
        `the HPA was able to successfully calculate a replica count from ${best.name}`,
        nowIso,
      );
      if (best.replicas > currentReplicas) rescaleReason = `${best.name} above target`;
      if (best.replicas < currentReplicas) rescaleReason = 'All metrics below target';
      const n = behavior.normalize({ key, currentReplicas, desiredReplicas: best.replicas, minReplicas, maxReplicas: spec.maxReplicas, rules, nowMs: now });
      conditions = setCondition(conditions, 'AbleToScale', true, n.ableToScale.reason, n.ableToScale.message, nowIso);
      conditions = setCondition(conditions, 'ScalingLimited', n.limited, n.limitReason, n.limitMessage, nowIso);
      desired = n.replicas;
      rescale = desired !== currentReplicas;
    }

    if (!rescale) {
      await writeStatus(status(currentReplicas));
      return again;
    }
    try {
      await updateScale(client, namespace, spec.scaleTargetRef, scale, desired, signal);
    } catch (e) {
      if (signal.aborted) throw e;
      const msg = (e as Error).message;
      event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${msg}`);
      conditions = setCondition(
        conditions,
        'AbleToScale',
        false,
        'FailedUpdateScale',
        `the HPA controller was unable to update the target scale: ${msg}`,
        nowIso,
      );
      await writeStatus(status(hpa.status?.desiredReplicas ?? 0));
      return again;
    }
    conditions = setCondition(
      conditions,
      'AbleToScale',
      true,
      'SucceededRescale',
      `the HPA controller was able to update the target scale to ${desired}`,
      nowIso,
    );
    event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
    behavior.recordScale(key, rules, currentReplicas, desired, now);
    logger.info(`horizontal-pod-autoscaler: ${namespace}/${hpa.metadata?.name} scaled ${reference} from ${currentReplicas} to ${desired}: ${rescaleReason}`);
    await writeStatus(status(desired, nowIso));
    return again;
  }

  return {
    name: 'horizontal-pod-autoscaler',
    run: (signal) => runController({ name: 'horizontal-pod-autoscaler', reconciler: { reconcile }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}
