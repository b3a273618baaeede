// autoscaling/v2 validation (upstream pkg/apis/autoscaling/validation): scale target, replica
// bounds, metric specs (Resource and ContainerResource fully; Pods/Object/External by shape) and
// behavior, with upstream field paths and messages.
import type { HPAScalingRules, HorizontalPodAutoscaler, MetricSpec, MetricTarget } from 'kubernetes-types/autoscaling/v2.js';
import { fieldErrors, type FieldError } from '../../errors.ts';

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const MAX_PERIOD = 1800;
const MAX_WINDOW = 3600;

function validateTarget(path: string, t: MetricTarget | undefined, errs: FieldError[], utilizationAllowed: boolean): void {
  if (!t || typeof t !== 'object') {
    errs.push(fieldErrors.required(path));
    return;
  }
  const types = ['AverageValue', 'Utilization', 'Value'];
  if (!t.type) errs.push(fieldErrors.required(`${path}.type`, 'must specify a metric target type'));
  else if (!types.includes(t.type)) errs.push(fieldErrors.notSupported(`${path}.type`, t.type, types));
  if (t.averageUtilization !== undefined && t.averageUtilization < 1)
    errs.push(fieldErrors.invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  if (t.type === 'Utilization' && t.averageUtilization === undefined)
    errs.push(fieldErrors.required(`${path}.averageUtilization`, 'must set either a target raw value or a target utilization'));
  if (t.type === 'Utilization' && !utilizationAllowed) errs.push(fieldErrors.invalid(`${path}.type`, t.type, 'must be either Value or AverageValue'));
  if (t.type === 'AverageValue' && t.averageValue === undefined)
    errs.push(fieldErrors.required(`${path}.averageValue`, 'must set either a target raw value or a target utilization'));
  if (t.type === 'Value' && t.value === undefined)
    errs.push(fieldErrors.required(`${path}.value`, 'must set either a target raw value or a target utilization'));
  for (const f of ['averageValue', 'value'] as const) {
    const v = t[f];
    if (v !== undefined && !(Number.parseFloat(String(v)) > 0)) errs.push(fieldErrors.invalid(`${path}.${f}`, v, 'must be positive'));
  }
}

function validateMetric(path: string, m: MetricSpec, errs: FieldError[]): void {
  if (!m.type) {
    errs.push(fieldErrors.required(`${path}.type`, 'must specify a metric source type'));
    return;
  }
  if (!METRIC_TYPES.includes(m.type)) {
    errs.push(fieldErrors.notSupported(`${path}.type`, m.type, METRIC_TYPES));
    return;
  }
  const field = ({ Resource: 'resource', ContainerResource: 'containerResource', Pods: 'pods', Object: 'object', External: 'external' } as const)[
    m.type as 'Resource'
  ];
  const src = m[field] as { name?: string; container?: string; target?: MetricTarget; metric?: { name?: string } } | undefined;
  if (!src || typeof src !== 'object') {
    errs.push(fieldErrors.required(`${path}.${field}`, `must populate information for the given metric source`));
    return;
  }
  if (m.type === 'Resource' || m.type === 'ContainerResource') {
    if (!src.name) errs.push(fieldErrors.required(`${path}.${field}.name`, 'must specify a resource name'));
    if (m.type === 'ContainerResource' && !src.container) errs.push(fieldErrors.required(`${path}.${field}.container`, 'must specify a container'));
    validateTarget(`${path}.${field}.target`, src.target, errs, true);
  } else {
    if (typeof src.metric !== 'object' || !src.metric?.name) errs.push(fieldErrors.required(`${path}.${field}.metric.name`, 'must specify a metric name'));
    validateTarget(`${path}.${field}.target`, src.target, errs, m.type !== 'Pods');
  }
}

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

function validateRules(path: string, r: HPAScalingRules | undefined, errs: FieldError[]): void {
  if (r === undefined) return;
  if (!isObject(r)) {
    errs.push(fieldErrors.invalid(path, r, 'must be an object'));
    return;
  }
  if (r.policies !== undefined && !Array.isArray(r.policies)) {
    errs.push(fieldErrors.invalid(`${path}.policies`, r.policies, 'must be a list'));
    return;
  }
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && (w < 0 || w > MAX_WINDOW))
    errs.push(
      fieldErrors.invalid(
        `${path}.stabilizationWindowSeconds`,
        w,
        w < 0 ? 'must be greater than or equal to zero' : `must be less than or equal to ${MAX_WINDOW}`,
      ),
    );
  const selects = ['Disabled', 'Max', 'Min'];
  if (r.selectPolicy !== undefined && !selects.includes(r.selectPolicy)) errs.push(fieldErrors.notSupported(`${path}.selectPolicy`, r.selectPolicy, selects));
  if (r.policies !== undefined && r.policies.length === 0 && r.selectPolicy !== 'Disabled')
    errs.push(fieldErrors.required(`${path}.policies`, 'must specify at least one Policy'));
  (r.policies ?? []).forEach((p, i) => {
    const pp = `${path}.policies[${i}]`;
    if (!isObject(p)) {
      errs.push(fieldErrors.invalid(pp, p, 'must be an object'));
      return;
    }
    if (p.type !== 'Pods' && p.type !== 'Percent') errs.push(fieldErrors.notSupported(`${pp}.type`, p.type, ['Percent', 'Pods']));
    if (!(p.value > 0)) errs.push(fieldErrors.invalid(`${pp}.value`, p.value, 'must be greater than zero'));
    if (!(p.periodSeconds > 0)) errs.push(fieldErrors.invalid(`${pp}.periodSeconds`, p.periodSeconds, 'must be greater than zero'));
    else if (p.periodSeconds > MAX_PERIOD)
      errs.push(fieldErrors.invalid(`${pp}.periodSeconds`, p.periodSeconds, `must be less than or equal to ${MAX_PERIOD}`));
  });
}

export function validateHpaV2(hpa: HorizontalPodAutoscaler): FieldError[] {
  const errs: FieldError[] = [];
  const spec = hpa.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const ref = spec.scaleTargetRef;
  if (!ref?.kind) errs.push(fieldErrors.required('spec.scaleTargetRef.kind'));
  else if (ref.kind.includes('/') || ref.kind.includes('%')) errs.push(fieldErrors.invalid('spec.scaleTargetRef.kind', ref.kind, "may not contain '/' or '%'"));
  if (!ref?.name) errs.push(fieldErrors.required('spec.scaleTargetRef.name'));
  else if (ref.name.includes('/') || ref.name.includes('%')) errs.push(fieldErrors.invalid('spec.scaleTargetRef.name', ref.name, "may not contain '/' or '%'"));
  const min = spec.minReplicas ?? 1;
  if (min < 1) errs.push(fieldErrors.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (!(spec.maxReplicas >= 1)) errs.push(fieldErrors.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than 0'));
  else if (spec.maxReplicas < min) errs.push(fieldErrors.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  if (spec.metrics !== undefined && !Array.isArray(spec.metrics)) errs.push(fieldErrors.invalid('spec.metrics', spec.metrics, 'must be a list'));
  else
    (spec.metrics ?? []).forEach((m, i) =>
      isObject(m) ? validateMetric(`spec.metrics[${i}]`, m, errs) : errs.push(fieldErrors.invalid(`spec.metrics[${i}]`, m, 'must be an object')),
    );
  validateRules('spec.behavior.scaleUp', spec.behavior?.scaleUp, errs);
  validateRules('spec.behavior.scaleDown', spec.behavior?.scaleDown, errs);
  return errs;
}
