// apps/v1 Deployment: defaults (SetDefaults_Deployment), validation (ValidateDeploymentSpec,
// strategy rules) and the upstream printer. The controller is src/controllers/deployment.
import type { Deployment, DeploymentStrategy } from 'kubernetes-types/apps/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { since } from './age.ts';
import { defaultTemplate, nonNegative, templateCells, templateColumns, workloadEntryBase, validateWorkloadSpec } from './apps-common.ts';
import { ageColumn, column, view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const deploy = (obj: KObject): Deployment => view<Deployment>(obj);

type IntOrString = number | string;

/** Validates one of maxSurge/maxUnavailable: a non-negative int or a percentage (≤ 100% for maxUnavailable). */
function validateIntOrPercent(path: string, v: IntOrString | undefined, max100: boolean): FieldError[] {
  if (v === undefined) return [];
  if (typeof v === 'number') return v < 0 ? [fieldErrors.invalid(path, v, 'must be greater than or equal to 0')] : [];
  const m = /^(\d+)%$/.exec(v);
  if (!m)
    return [
      fieldErrors.invalid(
        path,
        v,
        "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      ),
    ];
  if (max100 && Number(m[1]) > 100) return [fieldErrors.invalid(path, v, 'must not be greater than 100%')];
  return [];
}

const isZero = (v: IntOrString | undefined): boolean => v === 0 || v === '0%';

function validateStrategy(s: DeploymentStrategy | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const type = s?.type;
  if (type !== 'Recreate' && type !== 'RollingUpdate') {
    errs.push(
      type === undefined ? fieldErrors.required('spec.strategy.type') : fieldErrors.notSupported('spec.strategy.type', type, ['Recreate', 'RollingUpdate']),
    );
    return errs;
  }
  if (type === 'Recreate') {
    if (s?.rollingUpdate) errs.push(fieldErrors.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
    return errs;
  }
  const ru = s?.rollingUpdate;
  if (!ru) return [fieldErrors.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil')];
  errs.push(...validateIntOrPercent('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, true));
  errs.push(...validateIntOrPercent('spec.strategy.rollingUpdate.maxSurge', ru.maxSurge, false));
  if (isZero(ru.maxSurge) && isZero(ru.maxUnavailable)) {
    errs.push(fieldErrors.invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
  return errs;
}

function validateDeployment(d: Deployment): FieldError[] {
  const spec = d.spec;
  const errs = validateWorkloadSpec(spec, 'Deployment');
  if (!spec) return errs;
  errs.push(...validateStrategy(spec.strategy));
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  const pds = spec.progressDeadlineSeconds;
  if (pds !== undefined) {
    errs.push(...nonNegative('spec.progressDeadlineSeconds', pds));
    if (pds <= (spec.minReadySeconds ?? 0)) errs.push(fieldErrors.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  const rb = (spec as { rollbackTo?: { revision?: number } }).rollbackTo;
  if (rb?.revision !== undefined) errs.push(...nonNegative('spec.rollbackTo.revision', rb.revision));
  return errs;
}

export const deployments: ResourceEntry = {
  ...workloadEntryBase,
  kind: 'Deployment',
  listKind: 'DeploymentList',
  resource: 'deployments',
  singular: 'deployment',
  shortNames: ['deploy'],
  schema: 'io.k8s.api.apps.v1.Deployment',
  columns: [
    column('Ready', 'Number of the pod with ready state'),
    column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', { type: 'integer' }),
    column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', { type: 'integer' }),
    ageColumn,
    ...templateColumns,
  ],
  row(obj, ctx) {
    const d = deploy(obj);
    return [
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      since(obj.metadata?.creationTimestamp, ctx),
      ...templateCells(d.spec),
    ];
  },
  defaults(obj) {
    const d = deploy(obj);
    if (!d.spec) return;
    const spec = d.spec as { replicas?: number; revisionHistoryLimit?: number; progressDeadlineSeconds?: number; strategy?: DeploymentStrategy };
    spec.replicas ??= 1;
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    const strategy = (spec.strategy ??= {}) as { type?: string; rollingUpdate?: { maxSurge?: IntOrString; maxUnavailable?: IntOrString } };
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const ru = (strategy.rollingUpdate ??= {});
      ru.maxUnavailable ??= '25%';
      ru.maxSurge ??= '25%';
    }
    defaultTemplate(d.spec.template);
  },
  validate: (obj) => validateDeployment(deploy(obj)),
};
