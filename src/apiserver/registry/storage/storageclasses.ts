// storage.k8s.io/v1 StorageClass: how claims of a class get their volumes. Validation as upstream
// ValidateStorageClass(Update) (provisioner, parameters and reclaim policy are fixed once created),
// defaults as SetDefaults_StorageClass (Delete, Immediate) and kubectl's printer, which marks the
// default class with `(default)` after its name.
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { type FieldError, fieldErrors } from '../../errors.ts';
import { isQualifiedName } from '../../validation/labels.ts';
import { since } from '../age.ts';
import { ageColumn, column, jsonEqual, view } from '../common.ts';
import type { KObject, ResourceEntry } from '../types.ts';

const sc = (obj: KObject): StorageClass => view<StorageClass>(obj);

export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
/** The beta annotation upstream still honours. */
export const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

export function isDefaultClass(c: StorageClass): boolean {
  const a = c.metadata?.annotations ?? {};
  return a[DEFAULT_CLASS_ANNOTATION] === 'true' || a[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

const RECLAIM = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];

function validate(c: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.provisioner) errs.push(fieldErrors.required('provisioner'));
  else for (const m of isQualifiedName(c.provisioner.toLowerCase())) errs.push(fieldErrors.invalid('provisioner', c.provisioner, m));
  const params = c.parameters ?? {};
  if (Object.keys(params).length > 512) errs.push(fieldErrors.tooLong('parameters', params, 512));
  for (const k of Object.keys(params)) if (k === '') errs.push(fieldErrors.invalid('parameters', params, 'field can not be empty.'));
  if (c.reclaimPolicy !== undefined && !RECLAIM.includes(c.reclaimPolicy)) errs.push(fieldErrors.notSupported('reclaimPolicy', c.reclaimPolicy, RECLAIM));
  if (c.volumeBindingMode !== undefined && !BINDING_MODES.includes(c.volumeBindingMode)) {
    errs.push(fieldErrors.notSupported('volumeBindingMode', c.volumeBindingMode, BINDING_MODES));
  }
  return errs;
}

function validateUpdate(c: StorageClass, old: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!jsonEqual(c.parameters ?? {}, old.parameters ?? {})) errs.push(fieldErrors.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (c.provisioner !== old.provisioner) errs.push(fieldErrors.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (c.reclaimPolicy !== old.reclaimPolicy) errs.push(fieldErrors.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (c.volumeBindingMode !== old.volumeBindingMode) errs.push(fieldErrors.invalid('volumeBindingMode', c.volumeBindingMode, 'field is immutable'));
  return errs;
}

export const storageclasses: ResourceEntry = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  listKind: 'StorageClassList',
  resource: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  schema: 'io.k8s.api.storage.v1.StorageClass',
  tableIncludesName: true,
  columns: [
    column('Name', 'Name must be unique within a namespace.'),
    column('Provisioner', 'provisioner indicates the type of the provisioner.'),
    column('ReclaimPolicy', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
    column('VolumeBindingMode', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    column('AllowVolumeExpansion', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    ageColumn,
  ],
  row(obj, ctx) {
    const c = sc(obj);
    const name = (obj.metadata?.name ?? '') + (isDefaultClass(c) ? ' (default)' : '');
    return [
      name,
      c.provisioner ?? '',
      c.reclaimPolicy ?? 'Delete',
      c.volumeBindingMode ?? 'Immediate',
      c.allowVolumeExpansion ?? false,
      since(obj.metadata?.creationTimestamp, ctx),
    ];
  },
  defaults(obj) {
    const c = obj as { reclaimPolicy?: string; volumeBindingMode?: string };
    c.reclaimPolicy ||= 'Delete';
    c.volumeBindingMode ||= 'Immediate';
  },
  validate: (obj) => validate(sc(obj)),
  validateUpdate: (obj, old) => validateUpdate(sc(obj), sc(old)),
};
