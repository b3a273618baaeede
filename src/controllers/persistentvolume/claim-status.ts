// Small pure helpers of the claim sync: why a pre-bound volume cannot take the claim (upstream's
// checkVolumeSatisfyClaim wording) and status equality.
import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimStatus } from 'kubernetes-types/core/v1.js';
import { isDeepStrictEqual } from 'node:util';
import { claimRequest, volumeCapacity } from './matching.ts';

export function mismatchReason(pv: PersistentVolume, c: PersistentVolumeClaim): string | undefined {
  if (volumeCapacity(pv) < claimRequest(c)) return 'requested PV is too small';
  if ((pv.spec?.storageClassName ?? '') !== (c.spec?.storageClassName ?? '')) return 'storageClassName does not match';
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (c.spec?.volumeMode ?? 'Filesystem')) return 'incompatible volumeMode';
  const modes = new Set(pv.spec?.accessModes ?? []);
  if (!(c.spec?.accessModes ?? []).every((m) => modes.has(m))) return 'incompatible accessMode';
  return undefined;
}

export function jsonEqualStatus(a: PersistentVolumeClaimStatus, b: PersistentVolumeClaimStatus): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}
