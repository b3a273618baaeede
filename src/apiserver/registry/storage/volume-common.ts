// Pieces shared by the PersistentVolume and PersistentVolumeClaim entries: access modes (validation
// and kubectl's short form), the storage quantity checks, and the printer's placeholder for an
// unset VolumeAttributesClass.
import { parseQuantity } from '../../../api/index.ts';
import { type FieldError, fieldErrors } from '../../errors.ts';
import { isDNS1123Subdomain } from '../../validation/names.ts';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'] as const;
const SHORT: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
const PRINT_ORDER = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

/** kubectl's ACCESS MODES cell: `RWO,ROX`, in upstream's fixed order, without duplicates. */
export function accessModesString(modes: readonly string[] | undefined): string {
  const set = new Set(modes ?? []);
  return PRINT_ORDER.filter((m) => set.has(m))
    .map((m) => SHORT[m])
    .join(',');
}

/** Upstream validateAccessModes (shared by PV and PVC specs). */
export function validateAccessModes(path: string, modes: readonly string[] | undefined, requiredDetail: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!modes || modes.length === 0) {
    errs.push(fieldErrors.required(path, requiredDetail));
    return errs;
  }
  for (const m of modes) {
    if (!(ACCESS_MODES as readonly string[]).includes(m)) errs.push(fieldErrors.notSupported(path, m, [...ACCESS_MODES]));
  }
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) {
    errs.push(fieldErrors.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  }
  return errs;
}

/** Bytes of a quantity, or undefined when it does not parse. */
export function quantityBytes(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  try {
    return parseQuantity(q);
  } catch {
    return undefined;
  }
}

/** A storage quantity that must parse and be greater than zero. */
export function validateStorageQuantity(path: string, q: string | number | undefined): FieldError[] {
  if (q === undefined) return [];
  const bytes = quantityBytes(q);
  if (bytes === undefined) return [fieldErrors.invalid(path, q, 'must be a valid quantity')];
  if (bytes <= 0) return [fieldErrors.invalid(path, q, 'must be greater than zero')];
  return [];
}

export function validateClassName(path: string, name: string | undefined): FieldError[] {
  if (!name) return [];
  return isDNS1123Subdomain(name).map((m) => fieldErrors.invalid(path, name, m));
}

export const VOLUME_MODES = ['Block', 'Filesystem'];

export function validateVolumeMode(path: string, mode: string | undefined): FieldError[] {
  return mode !== undefined && !VOLUME_MODES.includes(mode) ? [fieldErrors.notSupported(path, mode, VOLUME_MODES)] : [];
}

/** What kubectl prints for a claim or volume without a VolumeAttributesClass. */
export const UNSET = '<unset>';
