// apps/v1 StatefulSet: defaults (SetDefaults_StatefulSet), validation (ValidateStatefulSetSpec for
// the common errors) and the upstream printer (READY ready/replicas). The controller is
// src/controllers/statefulset.
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { since } from './age.ts';
import { defaultTemplate, nonNegative, templateCells, templateColumns, validateWorkloadSpec, workloadEntryBase } from './apps-common.ts';
import { ageColumn, column, view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';
import { validateClaimSpec } from './storage/persistentvolumeclaims.ts';

const sts = (obj: KObject): StatefulSet => view<StatefulSet>(obj);

/**
 * The spec with one volume per claim template, as the controller gives each pod: containers may
 * mount a claim template by name (upstream skips pod volume checks for this reason).
 */
function withTemplateVolumes(spec: StatefulSet['spec']): StatefulSet['spec'] {
  const templates = spec?.volumeClaimTemplates ?? [];
  if (!spec?.template?.spec || templates.length === 0) return spec;
  const names = new Set(templates.map((t) => t.metadata?.name ?? ''));
  const volumes = (spec.template.spec.volumes ?? []).filter((v) => !names.has(v.name));
  for (const name of names) volumes.push({ name, persistentVolumeClaim: { claimName: name } });
  return { ...spec, template: { ...spec.template, spec: { ...spec.template.spec, volumes } } };
}

function validateStatefulSet(s: StatefulSet): FieldError[] {
  const spec = s.spec;
  const errs = validateWorkloadSpec(withTemplateVolumes(spec), 'StatefulSet');
  if (!spec) return errs;
  const pmp = spec.podManagementPolicy;
  if (pmp !== undefined && pmp !== 'OrderedReady' && pmp !== 'Parallel') {
    errs.push(fieldErrors.invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  }
  const type = spec.updateStrategy?.type;
  if (type !== undefined && type !== 'RollingUpdate' && type !== 'OnDelete') {
    errs.push(fieldErrors.notSupported('spec.updateStrategy.type', type, ['OnDelete', 'RollingUpdate']));
  }
  if (type === 'OnDelete' && spec.updateStrategy?.rollingUpdate) {
    errs.push(fieldErrors.invalid('spec.updateStrategy.rollingUpdate', spec.updateStrategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
  }
  errs.push(...nonNegative('spec.updateStrategy.rollingUpdate.partition', spec.updateStrategy?.rollingUpdate?.partition));
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  (spec.volumeClaimTemplates ?? []).forEach((t, i) => errs.push(...validateClaimSpec(`spec.volumeClaimTemplates[${i}].spec`, t.spec)));
  return errs;
}

/** Upstream allows only replicas, ordinals, template, updateStrategy, minReadySeconds and a few more to change. */
function validateStatefulSetUpdate(obj: KObject, old: KObject): FieldError[] {
  const pick = (o: KObject) => {
    const s = { ...(sts(o).spec ?? {}) } as Record<string, unknown>;
    for (const k of ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'revisionHistoryLimit'])
      delete s[k];
    return JSON.stringify(s);
  };
  if (pick(obj) === pick(old)) return [];
  return [
    fieldErrors.forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

export const statefulsets: ResourceEntry = {
  ...workloadEntryBase,
  kind: 'StatefulSet',
  listKind: 'StatefulSetList',
  resource: 'statefulsets',
  singular: 'statefulset',
  shortNames: ['sts'],
  schema: 'io.k8s.api.apps.v1.StatefulSet',
  validateUpdate: (obj, old) => [...workloadEntryBase.validateUpdate(obj, old), ...validateStatefulSetUpdate(obj, old)],
  columns: [column('Ready', 'Number of the pod with ready state'), ageColumn, ...templateColumns.slice(0, 2)],
  row(obj, ctx) {
    const s = sts(obj);
    const cells = templateCells(s.spec);
    return [`${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 0}`, since(obj.metadata?.creationTimestamp, ctx), cells[0], cells[1]];
  },
  defaults(obj) {
    const s = sts(obj);
    if (!s.spec) return;
    const spec = s.spec as Record<string, unknown> & NonNullable<StatefulSet['spec']>;
    spec.replicas ??= 1;
    spec.podManagementPolicy ??= 'OrderedReady';
    spec.revisionHistoryLimit ??= 10;
    const us = (spec.updateStrategy ??= { type: 'RollingUpdate' }) as Record<string, unknown> & NonNullable<StatefulSet['spec']>['updateStrategy'];
    if (us && (us.type ?? 'RollingUpdate') === 'RollingUpdate') {
      us.type = 'RollingUpdate';
      const ru = (us.rollingUpdate ??= {}) as { partition?: number };
      ru.partition ??= 0;
    }
    spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
    defaultTemplate(spec.template);
  },
  validate: (obj) => validateStatefulSet(sts(obj)),
};
