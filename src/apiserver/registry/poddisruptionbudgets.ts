// policy/v1 PodDisruptionBudget: how many pods of a set may be down at once for voluntary
// disruptions. The eviction subresource (handlers/eviction.ts) enforces it; the disruption
// controller (src/controllers/disruption) keeps its status.
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { since } from './age.ts';
import { keepStatus } from './apps-common.ts';
import { ageColumn, column, view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const pdb = (obj: KObject): PodDisruptionBudget => view<PodDisruptionBudget>(obj);

/** An IntOrString as kubectl prints it; N/A when unset. */
function intOrPercent(v: number | string | undefined): string {
  return v === undefined ? 'N/A' : String(v);
}

function validIntOrPercent(path: string, v: number | string | undefined, errs: FieldError[]): void {
  if (v === undefined) return;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) errs.push(fieldErrors.invalid(path, v, 'must be greater than or equal to 0'));
    return;
  }
  const m = /^(\d+)%$/.exec(v);
  if (!m)
    errs.push(
      fieldErrors.invalid(
        path,
        v,
        "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      ),
    );
  else if (Number(m[1]) > 100) errs.push(fieldErrors.invalid(path, v, 'must not be greater than 100%'));
}

function validate(p: PodDisruptionBudget): FieldError[] {
  const errs: FieldError[] = [];
  const spec = p.spec ?? {};
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(fieldErrors.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  validIntOrPercent('spec.minAvailable', spec.minAvailable, errs);
  validIntOrPercent('spec.maxUnavailable', spec.maxUnavailable, errs);
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== 'IfHealthyBudget' && policy !== 'AlwaysAllow') {
    errs.push(fieldErrors.notSupported('spec.unhealthyPodEvictionPolicy', policy, ['AlwaysAllow', 'IfHealthyBudget']));
  }
  return errs;
}

export const poddisruptionbudgets: ResourceEntry = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  listKind: 'PodDisruptionBudgetList',
  resource: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  schema: 'io.k8s.api.policy.v1.PodDisruptionBudget',
  columns: [
    column(
      'Min Available',
      'The minimum number of pods that must be available simultaneously. This can be either an integer or a string specifying a percentage, e.g. "28%".',
    ),
    column(
      'Max Unavailable',
      'The maximum number of pods that may be unavailable. This can be either an integer or a string specifying a percentage, e.g. "28%".',
    ),
    column('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }),
    ageColumn,
  ],
  row(obj, ctx) {
    const p = pdb(obj);
    return [
      intOrPercent(p.spec?.minAvailable),
      intOrPercent(p.spec?.maxUnavailable),
      p.status?.disruptionsAllowed ?? 0,
      since(obj.metadata?.creationTimestamp, ctx),
    ];
  },
  prepareForCreate(obj) {
    // Upstream resets status to its zero value, whose integers are always serialised.
    obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  prepareForUpdate: keepStatus,
  validate: (obj) => validate(pdb(obj)),
  hasStatus: true,
  hasGeneration: true,
};
