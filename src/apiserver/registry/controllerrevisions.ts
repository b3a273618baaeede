// apps/v1 ControllerRevision: an immutable snapshot of a StatefulSet's or DaemonSet's template,
// written by those controllers. Only metadata may change after create (upstream ValidateControllerRevisionUpdate).
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { since } from './age.ts';
import { ageColumn, column, view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const cr = (obj: KObject): ControllerRevision => view<ControllerRevision>(obj);

function validate(obj: KObject): FieldError[] {
  const r = cr(obj);
  if (typeof r.revision !== 'number' || r.revision < 0) return [fieldErrors.invalid('revision', r.revision, 'must be greater than or equal to 0')];
  return [];
}

export const controllerrevisions: ResourceEntry = {
  group: 'apps',
  version: 'v1',
  namespaced: true,
  kind: 'ControllerRevision',
  listKind: 'ControllerRevisionList',
  resource: 'controllerrevisions',
  singular: 'controllerrevision',
  schema: 'io.k8s.api.apps.v1.ControllerRevision',
  columns: [column('Controller', 'Controller of the object'), column('Revision', 'Revision of the ControllerRevision', { type: 'integer' }), ageColumn],
  row(obj, ctx) {
    const ref = (obj.metadata?.ownerReferences ?? []).find((o) => o.controller);
    const group = ref ? ref.apiVersion.split('/').slice(0, -1).join('/') : '';
    const owner = ref ? `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}` : '<none>';
    return [owner, cr(obj).revision ?? 0, since(obj.metadata?.creationTimestamp, ctx)];
  },
  validate,
  validateUpdate(obj, old) {
    if (JSON.stringify(obj.data) === JSON.stringify(old.data)) return [];
    return [fieldErrors.invalid('data', obj.data, 'field is immutable')];
  },
};
