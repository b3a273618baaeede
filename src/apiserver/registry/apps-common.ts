// What apps/v1 workload entries (ReplicaSet, Deployment) share: template defaulting, selector and
// template validation (apps/validation ValidatePodTemplateSpecForReplicaSet), the upstream status
// semantics (main resource ignores status, /status ignores spec) and the scale subresource
// declaration. Kind-specific rules stay in replicasets.ts / deployments.ts.
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { FieldError, fieldErrors } from '../errors.ts';
import { labelSelectorFromObject, SelectorError } from '../selectors/index.ts';
import { ageColumn, clone, column, isRecord } from './common.ts';
import { defaultPod } from './pods/pod-defaults.ts';
import { validatePodSpec } from './pods/pod-validation.ts';
import type { ColumnDefinition, KObject, ResourceEntry, SubresourceInfo } from './types.ts';

export const SCALE_SUBRESOURCE: SubresourceInfo = {
  name: 'scale',
  group: 'autoscaling',
  version: 'v1',
  kind: 'Scale',
  verbs: ['get', 'patch', 'update'],
};

/**
 * SetDefaults_PodSpec and friends on a template. The pod admission plugins (service account,
 * priority, default tolerations) run on pods, not templates, so what defaultPod adds for them is
 * put back as it was.
 */
export function defaultTemplate(template: PodTemplateSpec | undefined): void {
  if (!template) return;
  const spec = (template.spec ??= { containers: [] });
  const kept = {
    serviceAccountName: spec.serviceAccountName,
    serviceAccount: spec.serviceAccount,
    priority: spec.priority,
    preemptionPolicy: spec.preemptionPolicy,
    tolerations: clone(spec.tolerations),
  };
  defaultPod({ metadata: template.metadata, spec });
  for (const [k, v] of Object.entries(kept)) {
    const rec = spec as unknown as Record<string, unknown>;
    if (v === undefined) delete rec[k];
    else rec[k] = v;
  }
}

/** `%#v` of a Go map[string]string, as upstream prints the template labels. */
function goStringMap(m: Record<string, string>): string {
  const parts = Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`);
  return `map[string]string{${parts.join(', ')}}`;
}

/** A FieldError whose value prints as Go prints it (not as JSON). */
class GoValueFieldError extends FieldError {
  constructor(
    field: string,
    private readonly goValue: string,
    detail: string,
  ) {
    super('FieldValueInvalid', field, goValue, detail);
  }
  override detailMessage(): string {
    return `Invalid value: ${this.goValue}: ${this.detail}`;
  }
}

function nonNegative(path: string, v: unknown): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'number' || v < 0) return [fieldErrors.invalid(path, v, 'must be greater than or equal to 0')];
  return [];
}

export { nonNegative };

/**
 * spec.selector (required, non-empty, must select the template's labels), spec.replicas ≥ 0,
 * spec.minReadySeconds ≥ 0 and the template's pod spec (restartPolicy Always only).
 */
export function validateWorkloadSpec(spec: unknown, kind: string): FieldError[] {
  const s = isRecord(spec) ? spec : {};
  const errs: FieldError[] = [];
  errs.push(...nonNegative('spec.replicas', s.replicas));
  errs.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds));
  const selector = s.selector as LabelSelector | undefined;
  const template = s.template as PodTemplateSpec | undefined;
  if (!selector) {
    errs.push(fieldErrors.required('spec.selector'));
  } else if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0) {
    errs.push(fieldErrors.invalid('spec.selector', selector, `empty selector is invalid for ${kind}`));
  } else {
    try {
      const matcher = labelSelectorFromObject(selector);
      const labels = template?.metadata?.labels ?? {};
      if (!matcher.matches(labels)) {
        errs.push(new GoValueFieldError('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
      }
    } catch (e) {
      if (!(e instanceof SelectorError)) throw e;
      errs.push(fieldErrors.invalid('spec.selector', selector, e.message));
    }
  }
  if (!template) {
    errs.push(fieldErrors.required('spec.template'));
    return errs;
  }
  errs.push(...validatePodSpec(template.spec, 'spec.template.spec'));
  const rp = template.spec?.restartPolicy;
  if (rp !== undefined && rp !== 'Always') errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  return errs;
}

/** spec.selector is immutable in apps/v1. */
export function validateSelectorUnchanged(obj: KObject, old: KObject): FieldError[] {
  const sel = (o: KObject) => (isRecord(o.spec) ? o.spec.selector : undefined);
  if (JSON.stringify(sel(obj)) === JSON.stringify(sel(old))) return [];
  return [fieldErrors.invalid('spec.selector', sel(obj), 'field is immutable')];
}

/** Main-resource update: keep the stored status (upstream PrepareForUpdate). */
export function keepStatus(obj: KObject, old: KObject): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = clone(old.status);
}

/** Create: status starts empty, as upstream's PrepareForCreate. */
export function resetStatus(obj: KObject): void {
  obj.status = {};
}

/** The `-o wide` columns both printers end with: CONTAINERS, IMAGES, SELECTOR. */
export const templateColumns: ColumnDefinition[] = [
  column('Containers', 'Names of each container in the template.', { priority: 1 }),
  column('Images', 'Images referenced by each container in the template.', { priority: 1 }),
  column('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', {
    priority: 1,
  }),
];

/** The columns of the replica-keeping kinds (ReplicaSet, ReplicationController). */
export const replicatedColumns: ColumnDefinition[] = [
  column('Desired', 'Number of desired pods', { type: 'integer' }),
  column('Current', 'Number of actual replicas', { type: 'integer' }),
  column('Ready', 'Number of ready replicas', { type: 'integer' }),
  ageColumn,
  ...templateColumns,
];

/** Cells for templateColumns: comma-separated container names and images, and the selector. */
export function templateCells(spec: { template?: PodTemplateSpec; selector?: LabelSelector } | undefined): string[] {
  const cs = spec?.template?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(','), formatLabelSelector(spec?.selector)];
}

/** metav1.FormatLabelSelector: `app=x,tier in (a,b)`, `<none>` for nothing. */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  if (!sel) return '<none>';
  const parts = Object.keys(sel.matchLabels ?? {})
    .sort()
    .map((k) => `${k}=${sel.matchLabels![k]}`);
  for (const e of sel.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

/**
 * What ReplicaSet and Deployment entries share: apps/v1, namespaced, in `all`, the scale
 * subresource, status semantics (create empties it, the main resource keeps it, /status changes
 * only it), generation bumps on spec changes and an immutable selector.
 */
export const workloadEntryBase = {
  group: 'apps',
  version: 'v1',
  namespaced: true,
  categories: ['all'],
  subresources: [SCALE_SUBRESOURCE],
  prepareForCreate: resetStatus,
  prepareForUpdate: keepStatus,
  validateUpdate: validateSelectorUnchanged,
  hasStatus: true,
  hasGeneration: true,
} satisfies Partial<ResourceEntry>;
