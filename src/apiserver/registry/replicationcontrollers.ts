// core/v1 ReplicationController: ReplicaSet's predecessor, run by the same controller
// (controllers/replicaset with replicationControllerKind). Its selector is a plain label map that
// defaults to the template's labels (upstream SetDefaults_ReplicationController).
import type { PodTemplateSpec, ReplicationController } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.ts';
import { since } from './age.ts';
import { defaultTemplate, replicatedColumns, workloadEntryBase, validateWorkloadSpec } from './apps-common.ts';
import { isRecord, view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const rc = (obj: KObject): ReplicationController => view<ReplicationController>(obj);

function validateRc(obj: KObject): FieldError[] {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const selector = isRecord(spec.selector) ? (spec.selector as Record<string, string>) : {};
  if (Object.keys(selector).length === 0) {
    // Reported as upstream's ValidateReplicationControllerSpec does, without the LabelSelector wording.
    return [fieldErrors.required('spec.selector'), ...(spec.template ? [] : [fieldErrors.required('spec.template')])];
  }
  return validateWorkloadSpec({ ...spec, selector: { matchLabels: selector } }, 'ReplicationController');
}

export const replicationcontrollers: ResourceEntry = {
  ...workloadEntryBase,
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  listKind: 'ReplicationControllerList',
  resource: 'replicationcontrollers',
  singular: 'replicationcontroller',
  shortNames: ['rc'],
  schema: 'io.k8s.api.core.v1.ReplicationController',
  columns: replicatedColumns,
  row(obj, ctx) {
    const r = rc(obj);
    const cs = r.spec?.template?.spec?.containers ?? [];
    const sel = r.spec?.selector ?? {};
    return [
      r.spec?.replicas ?? 0,
      r.status?.replicas ?? 0,
      r.status?.readyReplicas ?? 0,
      since(obj.metadata?.creationTimestamp, ctx),
      cs.map((c) => c.name).join(','),
      cs.map((c) => c.image ?? '').join(','),
      Object.keys(sel)
        .sort()
        .map((k) => `${k}=${sel[k]}`)
        .join(',') || '<none>',
    ];
  },
  defaults(obj) {
    const spec = rc(obj).spec as { replicas?: number; selector?: Record<string, string>; template?: PodTemplateSpec } | undefined;
    if (!spec) return;
    spec.replicas ??= 1;
    const labels = spec.template?.metadata?.labels;
    if (labels && Object.keys(spec.selector ?? {}).length === 0) spec.selector = { ...labels };
    const meta = (obj.metadata ??= {});
    if (labels && Object.keys(meta.labels ?? {}).length === 0) meta.labels = { ...labels };
    defaultTemplate(spec.template);
  },
  validate: validateRc,
};
