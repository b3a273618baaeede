// apps/v1 DaemonSet: defaults (SetDefaults_DaemonSet), validation and the upstream printer. No scale
// subresource: a DaemonSet has as many pods as eligible nodes. The controller is
// src/controllers/daemonset.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { since } from './age.ts';
import { defaultTemplate, nonNegative, templateCells, templateColumns, validateWorkloadSpec, workloadEntryBase } from './apps-common.ts';
import { ageColumn, column, view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const ds = (obj: KObject): DaemonSet => view<DaemonSet>(obj);

function validateDaemonSet(d: DaemonSet): FieldError[] {
  const spec = d.spec;
  const errs = validateWorkloadSpec(spec, 'DaemonSet');
  if (!spec) return errs;
  const type = spec.updateStrategy?.type;
  if (type !== undefined && type !== 'RollingUpdate' && type !== 'OnDelete') {
    errs.push(fieldErrors.notSupported('spec.updateStrategy.type', type, ['OnDelete', 'RollingUpdate']));
  }
  const ru = spec.updateStrategy?.rollingUpdate;
  const zero = (v: number | string | undefined) => v === undefined || v === 0 || v === '0%';
  if (type === 'RollingUpdate' && ru && zero(ru.maxUnavailable) && zero(ru.maxSurge)) {
    errs.push(fieldErrors.invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  return errs;
}

function nodeSelector(d: DaemonSet): string {
  const sel = d.spec?.template?.spec?.nodeSelector ?? {};
  const parts = Object.keys(sel)
    .sort()
    .map((k) => `${k}=${sel[k]}`);
  return parts.length ? parts.join(',') : '<none>';
}

export const daemonsets: ResourceEntry = {
  ...workloadEntryBase,
  kind: 'DaemonSet',
  listKind: 'DaemonSetList',
  resource: 'daemonsets',
  singular: 'daemonset',
  shortNames: ['ds'],
  subresources: [],
  schema: 'io.k8s.api.apps.v1.DaemonSet',
  columns: [
    column('Desired', 'The desired number of daemon pods', { type: 'integer' }),
    column('Current', 'The current number of daemon pods', { type: 'integer' }),
    column('Ready', 'The ready number of daemon pods', { type: 'integer' }),
    column('Up-to-date', 'The updated number of daemon pods', { type: 'integer' }),
    column('Available', 'The available number of daemon pods', { type: 'integer' }),
    column(
      'Node Selector',
      "Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
    ),
    ageColumn,
    ...templateColumns,
  ],
  row(obj, ctx) {
    const d = ds(obj);
    const st = d.status;
    return [
      st?.desiredNumberScheduled ?? 0,
      st?.currentNumberScheduled ?? 0,
      st?.numberReady ?? 0,
      st?.updatedNumberScheduled ?? 0,
      st?.numberAvailable ?? 0,
      nodeSelector(d),
      since(obj.metadata?.creationTimestamp, ctx),
      ...templateCells(d.spec),
    ];
  },
  defaults(obj) {
    const d = ds(obj);
    if (!d.spec) return;
    const spec = d.spec as NonNullable<DaemonSet['spec']> & { revisionHistoryLimit?: number };
    spec.revisionHistoryLimit ??= 10;
    const us = ((spec as { updateStrategy?: object }).updateStrategy ??= { type: 'RollingUpdate' }) as {
      type?: string;
      rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string };
    };
    if ((us.type ?? 'RollingUpdate') === 'RollingUpdate') {
      us.type = 'RollingUpdate';
      const ru = (us.rollingUpdate ??= {});
      ru.maxUnavailable ??= 1;
      ru.maxSurge ??= 0;
    }
    defaultTemplate(spec.template);
  },
  validate: (obj) => validateDaemonSet(ds(obj)),
};
