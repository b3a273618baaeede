// core/v1 PersistentVolumeClaim: a user's request for storage. Validation as upstream
// ValidatePersistentVolumeClaim(Update): access modes and a positive storage request are required,
// the spec is immutable except a growing storage request (and volumeAttributesClassName) once the
// claim is bound. Whether the class allows that growth is admission's (storage-admission.ts), as
// upstream's PersistentVolumeClaimResize plugin. Defaults: volumeMode Filesystem, phase Pending.
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { type FieldError, fieldErrors } from '../../errors.ts';
import { since } from '../age.ts';
import { keepStatus } from '../apps-common.ts';
import { ageColumn, column, jsonEqual, view } from '../common.ts';
import type { KObject, ResourceEntry } from '../types.ts';
import {
  accessModesString,
  quantityBytes,
  UNSET,
  validateAccessModes,
  validateClassName,
  validateStorageQuantity,
  validateVolumeMode,
} from './volume-common.ts';

type Spec = NonNullable<PersistentVolumeClaim['spec']>;
const pvc = (obj: KObject): PersistentVolumeClaim => view<PersistentVolumeClaim>(obj);

/** Upstream ValidatePersistentVolumeClaimSpec, for claims and for claim templates (StatefulSet, ephemeral). */
export function validateClaimSpec(path: string, spec: PersistentVolumeClaim['spec']): FieldError[] {
  const errs: FieldError[] = [];
  const s = spec ?? {};
  errs.push(...validateAccessModes(`${path}.accessModes`, s.accessModes, 'at least 1 access mode is required'));
  if (s.selector) {
    for (const [i, e] of (s.selector.matchExpressions ?? []).entries()) {
      if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) {
        errs.push(fieldErrors.notSupported(`${path}.selector.matchExpressions[${i}].operator`, e.operator, ['In', 'NotIn', 'Exists', 'DoesNotExist']));
      }
    }
  }
  const storage = s.resources?.requests?.storage;
  if (storage === undefined) errs.push(fieldErrors.required(`${path}.resources[storage]`));
  else errs.push(...validateStorageQuantity(`${path}.resources.requests[storage]`, storage));
  errs.push(...validateClassName(`${path}.storageClassName`, s.storageClassName));
  errs.push(...validateVolumeMode(`${path}.volumeMode`, s.volumeMode));
  return errs;
}

/**
 * The parts of both specs an update must keep equal. The PV controller pre-binds by filling in
 * volumeName and a class may be set once (upstream's retroactive default class): those are not user
 * changes of an immutable spec. A bound claim may change its requests.
 */
function fixedParts(spec: Spec, old: Spec, bound: boolean): [Spec, Spec] {
  const a = structuredClone(spec) as Record<string, unknown>;
  const b = structuredClone(old) as Record<string, unknown>;
  for (const o of [a, b]) {
    if (!old.volumeName) delete o.volumeName;
    if (!old.storageClassName) delete o.storageClassName;
    delete o.volumeAttributesClassName;
    if (bound && o.resources) delete (o.resources as Record<string, unknown>).requests;
  }
  return [a as Spec, b as Spec];
}

function validateUpdate(c: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const errs: FieldError[] = [];
  const oldSpec = old.spec ?? {};
  const [a, b] = fixedParts(c.spec ?? {}, oldSpec, old.status?.phase === 'Bound');
  if (!jsonEqual(a, b)) {
    errs.push(fieldErrors.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
    return errs;
  }
  const now = quantityBytes(c.spec?.resources?.requests?.storage);
  const before = quantityBytes(oldSpec.resources?.requests?.storage);
  if (now !== undefined && before !== undefined && now < before) {
    const capacity = quantityBytes(old.status?.capacity?.storage);
    if (capacity === undefined || now < capacity) {
      errs.push(fieldErrors.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
    }
  }
  return errs;
}

export const persistentvolumeclaims: ResourceEntry = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  listKind: 'PersistentVolumeClaimList',
  resource: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  schema: 'io.k8s.api.core.v1.PersistentVolumeClaim',
  columns: [
    column('Status', 'phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'accessModes contains the desired access modes the volume should have.'),
    column('StorageClass', 'storageClassName is the name of the StorageClass required by the claim.'),
    column('VolumeAttributesClass', 'volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.'),
    ageColumn,
    column('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', { priority: 1 }),
  ],
  row(obj, ctx) {
    const c = pvc(obj);
    const bound = !!c.spec?.volumeName;
    return [
      c.metadata?.deletionTimestamp ? 'Terminating' : (c.status?.phase ?? ''),
      c.spec?.volumeName ?? '',
      bound ? String(c.status?.capacity?.storage ?? '') : '',
      bound ? accessModesString(c.status?.accessModes) : '',
      c.spec?.storageClassName ?? '',
      c.spec?.volumeAttributesClassName || UNSET,
      since(obj.metadata?.creationTimestamp, ctx),
      c.spec?.volumeMode ?? 'Filesystem',
    ];
  },
  defaults(obj) {
    const spec = (obj.spec ??= {}) as Record<string, unknown>;
    spec.volumeMode ||= 'Filesystem';
  },
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending' };
  },
  prepareForUpdate: keepStatus,
  validate: (obj) => validateClaimSpec('spec', pvc(obj).spec),
  validateUpdate: (obj, old) => validateUpdate(pvc(obj), pvc(old)),
  hasStatus: true,
};
