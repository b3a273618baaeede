// core/v1 PersistentVolume: a piece of storage in the cluster, cluster-scoped. Validation as
// upstream ValidatePersistentVolume (access modes, capacity, exactly one source, local volumes need
// node affinity), defaults as SetDefaults_PersistentVolume (Retain, Filesystem, phase Pending) and
// the kubectl printer's columns. Binding and phases are the PV controller's (src/controllers/persistentvolume).
import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import { type FieldError, fieldErrors } from '../../errors.ts';
import { since } from '../age.ts';
import { keepStatus } from '../apps-common.ts';
import { ageColumn, column, jsonEqual, view } from '../common.ts';
import type { KObject, ResourceEntry } from '../types.ts';
import { accessModesString, UNSET, validateAccessModes, validateClassName, validateStorageQuantity, validateVolumeMode } from './volume-common.ts';

const pv = (obj: KObject): PersistentVolume => view<PersistentVolume>(obj);

/** Upstream's persistent volume source fields (the ones a spec may carry exactly one of). */
const PV_SOURCES = [
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'hostPath',
  'glusterfs',
  'nfs',
  'rbd',
  'iscsi',
  'cinder',
  'cephfs',
  'fc',
  'flocker',
  'flexVolume',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'local',
  'storageos',
  'csi',
] as const;

export function pvSourceNames(p: PersistentVolume): string[] {
  const spec = (p.spec ?? {}) as Record<string, unknown>;
  return PV_SOURCES.filter((s) => spec[s] !== undefined && spec[s] !== null);
}

const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];

function validate(p: PersistentVolume): FieldError[] {
  const errs: FieldError[] = [];
  const spec = p.spec ?? {};
  errs.push(...validateAccessModes('spec.accessModes', spec.accessModes, ''));
  const capacity = spec.capacity ?? {};
  if (Object.keys(capacity).length === 0) errs.push(fieldErrors.required('spec.capacity'));
  for (const k of Object.keys(capacity)) {
    if (k !== 'storage') errs.push(fieldErrors.notSupported('spec.capacity', k, ['storage']));
  }
  errs.push(...validateStorageQuantity('spec.capacity[storage]', capacity.storage));
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy !== undefined && !RECLAIM_POLICIES.includes(policy)) {
    errs.push(fieldErrors.notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  }
  errs.push(...validateClassName('spec.storageClassName', spec.storageClassName));
  errs.push(...validateVolumeMode('spec.volumeMode', spec.volumeMode));
  const sources = pvSourceNames(p);
  if (sources.length === 0) errs.push(fieldErrors.required('spec', 'must specify a volume type'));
  for (const extra of sources.slice(1)) errs.push(fieldErrors.forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  if (spec.hostPath) {
    if (!spec.hostPath.path) errs.push(fieldErrors.required('spec.hostPath.path'));
    else if (spec.hostPath.path.split('/').includes('..')) errs.push(fieldErrors.invalid('spec.hostPath.path', spec.hostPath.path, "must not contain '..'"));
  }
  if (spec.local) {
    if (!spec.local.path) errs.push(fieldErrors.required('spec.local.path'));
    if (!spec.nodeAffinity?.required) errs.push(fieldErrors.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  const terms = spec.nodeAffinity?.required?.nodeSelectorTerms;
  if (spec.nodeAffinity?.required && (!terms || terms.length === 0)) {
    errs.push(fieldErrors.required('spec.nodeAffinity.required.nodeSelectorTerms', 'must have at least one node selector term'));
  }
  if (spec.claimRef && !spec.claimRef.name) errs.push(fieldErrors.required('spec.claimRef.name'));
  return errs;
}

/** Upstream ValidatePersistentVolumeUpdate: the source, volume mode and node affinity stay. */
function validateUpdate(p: PersistentVolume, old: PersistentVolume): FieldError[] {
  const errs: FieldError[] = [];
  const src = (x: PersistentVolume) => Object.fromEntries(pvSourceNames(x).map((s) => [s, (x.spec as Record<string, unknown>)[s]]));
  if (!jsonEqual(src(p), src(old))) errs.push(fieldErrors.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is forbidden.'));
  if ((p.spec?.volumeMode ?? 'Filesystem') !== (old.spec?.volumeMode ?? 'Filesystem')) {
    errs.push(fieldErrors.invalid('spec.volumeMode', p.spec?.volumeMode, 'field is immutable'));
  }
  if (old.spec?.nodeAffinity && !jsonEqual(p.spec?.nodeAffinity, old.spec.nodeAffinity)) {
    errs.push(fieldErrors.invalid('spec.nodeAffinity', p.spec?.nodeAffinity, 'field is immutable'));
  }
  return errs;
}

export const persistentvolumes: ResourceEntry = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  listKind: 'PersistentVolumeList',
  resource: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  schema: 'io.k8s.api.core.v1.PersistentVolume',
  columns: [
    column('Capacity', "capacity is the description of the persistent volume's resources and capacity."),
    column('Access Modes', 'accessModes contains all ways the volume can be mounted.'),
    column('Reclaim Policy', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    column('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    column('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    column('StorageClass', 'storageClassName is the name of StorageClass to which this persistent volume belongs.'),
    column('VolumeAttributesClass', 'Name of VolumeAttributesClass to which this persistent volume belongs.'),
    column('Reason', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    ageColumn,
    column('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', { priority: 1 }),
  ],
  row(obj, ctx) {
    const p = pv(obj);
    const spec = p.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
    return [
      String(spec.capacity?.storage ?? ''),
      accessModesString(spec.accessModes),
      spec.persistentVolumeReclaimPolicy ?? '',
      p.status?.phase ?? '',
      claim,
      spec.storageClassName ?? '',
      spec.volumeAttributesClassName || UNSET,
      p.status?.reason ?? '',
      since(obj.metadata?.creationTimestamp, ctx),
      spec.volumeMode ?? 'Filesystem',
    ];
  },
  fieldSelectors: {
    'spec.storageClassName': (obj) => pv(obj).spec?.storageClassName ?? '',
    'status.phase': (obj) => pv(obj).status?.phase ?? '',
  },
  defaults(obj) {
    const spec = (obj.spec ??= {}) as Record<string, unknown>;
    spec.persistentVolumeReclaimPolicy ||= 'Retain';
    spec.volumeMode ||= 'Filesystem';
    const hostPath = spec.hostPath as { type?: string } | undefined;
    if (hostPath) hostPath.type ??= '';
  },
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending' };
  },
  prepareForUpdate: keepStatus,
  validate: (obj) => validate(pv(obj)),
  validateUpdate: (obj, old) => validateUpdate(pv(obj), pv(old)),
  hasStatus: true,
};
