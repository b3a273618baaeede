// Which claims pods use (upstream pvc-protection controller's podUsesPVC): a pod that has not
// finished holds each claim its volumes name, and a generic ephemeral volume names the claim
// `<pod>-<volume>`. Indexed in the shared pod informer so "is this claim in use" is one lookup.
import type { Pod } from 'kubernetes-types/core/v1.js';

export const POD_CLAIM_INDEX = 'pvc';

/** `ns/claim` keys of every claim the pod's volumes name. */
export function claimKeysOfPod(pod: Pod): string[] {
  const ns = pod.metadata?.namespace ?? 'default';
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    const name = claimNameOfVolume(pod, v);
    if (name) out.push(`${ns}/${name}`);
  }
  return out;
}

/** The claim a pod volume uses, if it is a claim or an ephemeral volume. */
export function claimNameOfVolume(pod: Pod, v: NonNullable<NonNullable<Pod['spec']>['volumes']>[number]): string | undefined {
  if (v.persistentVolumeClaim?.claimName) return v.persistentVolumeClaim.claimName;
  if (v.ephemeral) return `${pod.metadata?.name ?? ''}-${v.name}`;
  return undefined;
}

/** A pod keeps its claims until it has finished (or is gone from the API). */
export const holdsClaims = (p: Pod): boolean => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
