// apps/v1 ReplicaSet. Shared workload rules live in apps-common.ts; the controller that acts on
// these objects is src/controllers/replicaset.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { since } from './age.ts';
import { defaultTemplate, replicatedColumns, templateCells, workloadEntryBase, validateWorkloadSpec } from './apps-common.ts';
import { view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const rs = (obj: KObject): ReplicaSet => view<ReplicaSet>(obj);

export const replicasets: ResourceEntry = {
  ...workloadEntryBase,
  kind: 'ReplicaSet',
  listKind: 'ReplicaSetList',
  resource: 'replicasets',
  singular: 'replicaset',
  shortNames: ['rs'],
  schema: 'io.k8s.api.apps.v1.ReplicaSet',
  columns: replicatedColumns,
  row(obj, ctx) {
    const r = rs(obj);
    return [
      r.spec?.replicas ?? 0,
      r.status?.replicas ?? 0,
      r.status?.readyReplicas ?? 0,
      since(obj.metadata?.creationTimestamp, ctx),
      ...templateCells(r.spec),
    ];
  },
  defaults(obj) {
    const r = rs(obj);
    if (!r.spec) return;
    const spec = r.spec as { replicas?: number };
    spec.replicas ??= 1;
    defaultTemplate(r.spec.template);
  },
  validate: (obj) => validateWorkloadSpec(obj.spec, 'ReplicaSet'),
};
