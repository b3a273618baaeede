// StatefulSet volume claims (upstream stateful_set_utils/stateful_pod_control): each template in
// spec.volumeClaimTemplates gives ordinal i the claim `<template>-<set>-<i>`, created before the
// pod and reused whenever the pod comes back. persistentVolumeClaimRetentionPolicy is carried out
// with owner references, as upstream: whenDeleted=Delete makes the set an owner (the garbage
// collector removes the claims with the set); whenScaled=Delete makes the pod of a condemned
// ordinal (≥ replicas) the only owner just before it is deleted, so the claim goes with the pod.
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isAlreadyExists, isNotFound, resources, type Client, type Store } from '../../client/index.ts';
import { STS_GVK } from './pods.ts';

export function claimName(set: StatefulSet, template: PersistentVolumeClaim, ordinal: number): string {
  return `${template.metadata?.name ?? ''}-${set.metadata?.name ?? ''}-${ordinal}`;
}

/** The pod's volumes with one claim volume per template (replacing a same-named template volume). */
export function withClaimVolumes(pod: Pod, set: StatefulSet, ordinal: number): Pod {
  const templates = set.spec?.volumeClaimTemplates ?? [];
  if (templates.length === 0 || !pod.spec) return pod;
  const names = new Set(templates.map((t) => t.metadata?.name));
  const volumes = (pod.spec.volumes ?? []).filter((v) => !names.has(v.name));
  for (const t of templates) volumes.push({ name: t.metadata?.name ?? '', persistentVolumeClaim: { claimName: claimName(set, t, ordinal) } });
  pod.spec.volumes = volumes;
  return pod;
}

const ref = (kind: string, apiVersion: string, o: { metadata?: { name?: string; uid?: string } }): OwnerReference => ({
  apiVersion,
  kind,
  name: o.metadata?.name ?? '',
  uid: o.metadata?.uid ?? '',
});

/** The owner references the retention policy asks for (others' references are kept). */
function desiredRefs(claim: PersistentVolumeClaim, opts: { set: StatefulSet; pod?: Pod; condemned: boolean }): OwnerReference[] {
  const policy = opts.set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  const setUid = opts.set.metadata?.uid;
  const podUid = opts.pod?.metadata?.uid;
  const others = (claim.metadata?.ownerReferences ?? []).filter((r) => r.uid !== setUid && !(r.kind === 'Pod' && r.apiVersion === 'v1'));
  const out = [...others];
  const goesWithPod = policy.whenScaled === 'Delete' && opts.condemned;
  // With both Delete, a condemned claim must have the pod as its only owner: the garbage
  // collector keeps a dependent while any owner remains.
  if (policy.whenDeleted === 'Delete' && !goesWithPod) out.push({ ...ref(STS_GVK.kind, STS_GVK.apiVersion, opts.set), blockOwnerDeletion: true });
  if (goesWithPod && podUid && opts.pod) out.push(ref('Pod', 'v1', opts.pod));
  return out;
}

const sameRefs = (a: readonly OwnerReference[], b: readonly OwnerReference[]): boolean =>
  a.length === b.length && a.every((r) => b.some((x) => x.uid === r.uid && x.kind === r.kind));

export interface ClaimSyncOptions {
  client: Client;
  claims: Store<PersistentVolumeClaim>;
  signal: AbortSignal;
}

/**
 * Creates the ordinal's missing claims and brings owner references in line with the policy.
 * Returns why the pod must wait (a claim is being deleted), or undefined.
 */
export async function syncOrdinalClaims(
  set: StatefulSet,
  ordinal: number,
  opts: ClaimSyncOptions & { pod?: Pod; condemned: boolean },
): Promise<string | undefined> {
  const ns = set.metadata?.namespace ?? 'default';
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const name = claimName(set, t, ordinal);
    const existing = opts.claims.get(`${ns}/${name}`);
    if (existing?.metadata?.deletionTimestamp) return `pvc ${name} is being deleted`;
    if (!existing) {
      if (opts.condemned) continue;
      const claim: PersistentVolumeClaim = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name,
          namespace: ns,
          labels: { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
          ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
        },
        spec: structuredClone(t.spec ?? {}),
      };
      claim.metadata!.ownerReferences = desiredRefs(claim, { set, pod: opts.pod, condemned: false });
      if (claim.metadata!.ownerReferences.length === 0) delete claim.metadata!.ownerReferences;
      await opts.client.create(resources.persistentvolumeclaims, ns, claim, { signal: opts.signal }).catch((e: unknown) => {
        if (!isAlreadyExists(e)) throw e;
      });
      continue;
    }
    const want = desiredRefs(existing, { set, pod: opts.pod, condemned: opts.condemned });
    if (sameRefs(want, existing.metadata?.ownerReferences ?? [])) continue;
    const patch = { metadata: { ownerReferences: want.length ? want : null, uid: existing.metadata?.uid } };
    await opts.client.patch(resources.persistentvolumeclaims, ns, name, patch, { type: 'merge', signal: opts.signal }).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }
  return undefined;
}
