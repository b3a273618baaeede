// Storage admission, as upstream's DefaultStorageClass, StorageObjectInUseProtection and
// PersistentVolumeClaimResize plugins: a new claim without storageClassName gets the default class;
// new claims and volumes get their protection finalizers (the PV controller removes them once
// nothing uses the object); a claim may grow only when its class allows volume expansion.
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { ApiError } from './errors.ts';
import { view } from './registry/common.ts';
import { isDefaultClass } from './registry/storage/storageclasses.ts';
import { quantityBytes } from './registry/storage/volume-common.ts';
import type { KObject } from './registry/types.ts';
import type { AdmissionPlugin, GenericStore } from './store/generic-store.ts';
import { byteOrder } from '../util/index.ts';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

function addFinalizer(obj: KObject, name: string): void {
  const meta = (obj.metadata ??= {});
  const list = (meta.finalizers ??= []);
  if (!list.includes(name)) list.push(name);
}

/** `classes` returns the StorageClass store (undefined until the server built it). */
export function storageAdmission(classes: () => GenericStore | undefined): AdmissionPlugin {
  async function listClasses(): Promise<StorageClass[]> {
    const store = classes();
    return store ? (await store.list(undefined)).items.map((o) => view<StorageClass>(o)) : [];
  }
  /** Upstream: with several defaults, the newest one wins. */
  async function defaultClass(): Promise<StorageClass | undefined> {
    const defaults = (await listClasses()).filter(isDefaultClass);
    defaults.sort(
      (a, b) =>
        byteOrder(b.metadata?.creationTimestamp ?? '', a.metadata?.creationTimestamp ?? '') || byteOrder(a.metadata?.name ?? '', b.metadata?.name ?? ''),
    );
    return defaults[0];
  }

  async function admitResize(obj: KObject, old: KObject): Promise<void> {
    const claim = view<PersistentVolumeClaim>(obj);
    const before = quantityBytes(view<PersistentVolumeClaim>(old).spec?.resources?.requests?.storage);
    const now = quantityBytes(claim.spec?.resources?.requests?.storage);
    if (before === undefined || now === undefined || now <= before) return;
    const className = claim.spec?.storageClassName;
    const cls = className ? (await listClasses()).find((c) => c.metadata?.name === className) : undefined;
    if (!cls?.allowVolumeExpansion) {
      const name = obj.metadata?.name ?? '';
      throw new ApiError(
        403,
        'Forbidden',
        `persistentvolumeclaims "${name}" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize`,
        { name, kind: 'persistentvolumeclaims' },
      );
    }
  }

  return async ({ operation, entry, obj, old, subresource }) => {
    if (entry.group !== '' || subresource) return;
    if (entry.resource === 'persistentvolumes') {
      if (operation === 'CREATE') addFinalizer(obj, PV_PROTECTION_FINALIZER);
      return;
    }
    if (entry.resource !== 'persistentvolumeclaims') return;
    if (operation === 'CREATE') {
      addFinalizer(obj, PVC_PROTECTION_FINALIZER);
      const spec = (obj.spec ??= {}) as { storageClassName?: string };
      // An explicit "" asks for no class at all; only an absent field is defaulted.
      if (spec.storageClassName === undefined || spec.storageClassName === null) {
        const cls = await defaultClass();
        if (cls?.metadata?.name) spec.storageClassName = cls.metadata.name;
      }
    } else if (operation === 'UPDATE' && old) await admitResize(obj, old);
  };
}
