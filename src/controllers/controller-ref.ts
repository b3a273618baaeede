// Controller references (metav1.OwnerReference with controller: true), as upstream's
// ControllerRefManager: a controller *claims* the children its selector matches — it adopts
// orphans (patches its controllerRef in) and releases children whose labels no longer match
// (patches its reference out). Children controlled by someone else are never touched.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { Client, KubeObject, ResourceRef } from '../client/index.ts';
import { isNotFound } from '../client/index.ts';

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
}

/** The controllerRef a controller puts on its children (blockOwnerDeletion as upstream). */
export function newControllerRef(owner: KubeObject, gvk: { apiVersion: string; kind: string }): OwnerReference {
  return {
    apiVersion: gvk.apiVersion,
    kind: gvk.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface ClaimOptions<T extends KubeObject> {
  client: Client;
  /** Collection of the children. */
  ref: ResourceRef;
  owner: KubeObject;
  ownerGvk: { apiVersion: string; kind: string };
  matches: (child: T) => boolean;
  /** Adoption is skipped while the owner is being deleted (upstream checks a fresh copy). */
  canAdopt: boolean;
}

/**
 * Returns the children `owner` controls after adopting and releasing. Patches carry the child's
 * uid as a precondition-by-merge (the ownerReferences list is replaced whole), so a lost race
 * fails with Conflict and the caller's sync is retried.
 */
export async function claimChildren<T extends KubeObject>(candidates: readonly T[], opts: ClaimOptions<T>): Promise<T[]> {
  const ownerUid = opts.owner.metadata?.uid;
  const claimed: T[] = [];
  for (const child of candidates) {
    const ref = controllerOf(child);
    const ns = child.metadata?.namespace;
    const name = child.metadata?.name ?? '';
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (opts.matches(child)) {
        claimed.push(child);
        continue;
      }
      // Release: our child no longer matches; drop our reference.
      if (child.metadata?.deletionTimestamp) continue;
      const rest = (child.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
      await patchOwners(opts, ns, name, child, rest);
      continue;
    }
    if (!opts.canAdopt || !opts.matches(child) || child.metadata?.deletionTimestamp) continue;
    const refs = [...(child.metadata?.ownerReferences ?? []), newControllerRef(opts.owner, opts.ownerGvk)];
    const adopted = await patchOwners(opts, ns, name, child, refs);
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}

async function patchOwners<T extends KubeObject>(
  opts: ClaimOptions<T>,
  ns: string | undefined,
  name: string,
  child: T,
  refs: OwnerReference[],
): Promise<T | undefined> {
  try {
    return await opts.client.patch<T>(
      opts.ref,
      ns,
      name,
      { metadata: { uid: child.metadata?.uid, resourceVersion: child.metadata?.resourceVersion, ownerReferences: refs.length ? refs : null } },
      { type: 'merge' },
    );
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
