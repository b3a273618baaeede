// autoscaling/v2 HorizontalPodAutoscaler, and autoscaling/v1 served from the same storage with
// conversion (v2 is the preferred version, as upstream; each entry converts objects written
// through the other on read). The controller lives in src/controllers/podautoscaler.
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import { since } from '../age.ts';
import { keepStatus } from '../apps-common.ts';
import { ageColumn, column, view, type Writable } from '../common.ts';
import type { KObject, ResourceEntry } from '../types.ts';
import { hpaV1ToV2, hpaV2ToV1 } from './hpa-conversion.ts';
import { defaultHpaV2 } from './hpa-defaults.ts';
import { hpaTargets } from './hpa-printer.ts';
import { validateHpaV2 } from './hpa-validation.ts';

const v2 = (obj: KObject): HorizontalPodAutoscaler => view<HorizontalPodAutoscaler>(obj);
/** v1 objects are defaulted and validated through their v2 form. */
const asV2 = (obj: KObject): HorizontalPodAutoscaler => v2(obj.apiVersion === 'autoscaling/v1' ? hpaV1ToV2(obj) : obj);

const common: Omit<ResourceEntry, 'version' | 'schema' | 'row' | 'convert' | 'defaults' | 'validate' | 'prepareForCreate'> = {
  group: 'autoscaling',
  kind: 'HorizontalPodAutoscaler',
  listKind: 'HorizontalPodAutoscalerList',
  resource: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  columns: [
    column(
      'Reference',
      'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.',
    ),
    column(
      'Targets',
      'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).',
    ),
    column('MinPods', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    column('MaxPods', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.', { type: 'integer' }),
    column('Replicas', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.', {
      type: 'integer',
    }),
    ageColumn,
  ],
  prepareForUpdate: keepStatus,
  hasStatus: true,
};

function row(obj: KObject, ctx: { now(): Date }): unknown[] {
  const h = asV2(obj);
  const ref = h.spec?.scaleTargetRef;
  return [
    `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
    hpaTargets(h),
    h.spec?.minReplicas !== undefined ? String(h.spec.minReplicas) : '<unset>',
    h.spec?.maxReplicas ?? 0,
    h.status?.currentReplicas ?? 0,
    since(obj.metadata?.creationTimestamp, ctx),
  ];
}

export const horizontalpodautoscalersV2: ResourceEntry = {
  ...common,
  version: 'v2',
  schema: 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
  row,
  // Upstream stores v2 with v2 defaults applied; an object written through v1 gets them on read.
  convert(obj) {
    if (obj.apiVersion !== 'autoscaling/v1') return obj;
    const converted = hpaV1ToV2(obj);
    defaultHpaV2(converted as unknown as Writable<HorizontalPodAutoscaler>);
    return converted;
  },
  defaults: (obj) => defaultHpaV2(obj as unknown as Writable<HorizontalPodAutoscaler>),
  validate: (obj) => validateHpaV2(v2(obj)),
  prepareForCreate(obj) {
    obj.status = { desiredReplicas: 0 };
  },
};

export const horizontalpodautoscalersV1: ResourceEntry = {
  ...common,
  version: 'v1',
  schema: 'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler',
  row,
  convert: (obj) => (obj.apiVersion === 'autoscaling/v2' ? hpaV2ToV1(obj) : obj),
  defaults(obj) {
    // v1 defaults only minReplicas; the CPU target (80%) is the controller's default.
    const spec = obj.spec as { minReplicas?: number } | undefined;
    if (spec) spec.minReplicas ??= 1;
  },
  validate: (obj) => validateHpaV2(asV2(obj)),
  prepareForCreate(obj) {
    obj.status = { currentReplicas: 0, desiredReplicas: 0 };
  },
};
