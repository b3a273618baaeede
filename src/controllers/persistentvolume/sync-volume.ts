// One PersistentVolume's sync: its phase from its claimRef (Available / Bound / Released), the
// reclaim policy once its claim is gone (Delete removes provisioned volumes; a hand-made volume
// cannot be deleted by us and goes Failed, as upstream without a deleter plugin), and the
// `kubernetes.io/pv-protection` finalizer, dropped once the volume is no longer bound.
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound, resources } from '../../client/index.ts';
import { LOCAL_PATH_PROVISIONER, PROVISIONED_BY_ANNOTATION } from './local-path.ts';
import { type SyncOptions, volumeEvent } from './volume-context.ts';
import { rfc3339 } from '../../api/index.ts';

export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

export async function setVolumePhase(
  pv: PersistentVolume,
  phase: string,
  opts: SyncOptions & { reason?: string; message?: string },
): Promise<PersistentVolume> {
  const cur = pv.status ?? {};
  if (cur.phase === phase && (cur.reason ?? '') === (opts.reason ?? '') && (cur.message ?? '') === (opts.message ?? '')) return pv;
  const status = {
    phase,
    ...(opts.reason ? { reason: opts.reason } : {}),
    ...(opts.message ? { message: opts.message } : {}),
    lastPhaseTransitionTime: cur.phase === phase ? cur.lastPhaseTransitionTime : rfc3339(Date.now()),
  };
  return opts.ctx.client.update<PersistentVolume>(resources.persistentvolumes, undefined, { ...pv, status }, { subresource: 'status', signal: opts.signal });
}

/** The claim a claimRef names, from the cache or (when the cache lacks it) the server. */
async function claimOf(pv: PersistentVolume, opts: SyncOptions): Promise<PersistentVolumeClaim | undefined> {
  const ref = pv.spec?.claimRef;
  const key = `${ref?.namespace ?? ''}/${ref?.name ?? ''}`;
  const cached = opts.ctx.claims.get(key);
  if (cached) return cached;
  try {
    return await opts.ctx.client.get<PersistentVolumeClaim>(resources.persistentvolumeclaims, ref?.namespace ?? '', ref?.name ?? '', { signal: opts.signal });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

async function dropProtection(pv: PersistentVolume, opts: SyncOptions): Promise<void> {
  const finalizers = pv.metadata?.finalizers ?? [];
  if (!finalizers.includes(PV_PROTECTION_FINALIZER) || pv.status?.phase === 'Bound') return;
  try {
    await opts.ctx.client.update(
      resources.persistentvolumes,
      undefined,
      {
        ...pv,
        metadata: { ...pv.metadata, finalizers: finalizers.filter((f) => f !== PV_PROTECTION_FINALIZER) },
      },
      { signal: opts.signal },
    );
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

async function reclaim(pv: PersistentVolume, opts: SyncOptions): Promise<void> {
  const name = pv.metadata?.name ?? '';
  const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
  if (policy === 'Retain') return;
  if (policy === 'Recycle') {
    const message = 'No recycler plugin found for the volume!';
    volumeEvent(opts.ctx, pv, { type: 'Warning', reason: 'VolumeFailedRecycle', message });
    await setVolumePhase(pv, 'Failed', { ...opts, reason: 'VolumeFailedRecycle', message });
    return;
  }
  if (pv.metadata?.annotations?.[PROVISIONED_BY_ANNOTATION] !== LOCAL_PATH_PROVISIONER) {
    const message = `error getting deleter volume plugin for volume "${name}": no deletable volume plugin matched`;
    volumeEvent(opts.ctx, pv, { type: 'Warning', reason: 'VolumeFailedDelete', message });
    await setVolumePhase(pv, 'Failed', { ...opts, reason: 'VolumeFailedDelete', message });
    return;
  }
  try {
    await opts.ctx.client.delete(resources.persistentvolumes, undefined, name, { preconditions: { uid: pv.metadata?.uid } }, { signal: opts.signal });
  } catch (e) {
    if (!isNotFound(e) && !isConflict(e)) throw e;
  }
}

export async function syncVolume(name: string, opts: SyncOptions): Promise<void> {
  const cached = opts.ctx.volumes.get(name);
  if (!cached) return;
  const pv = structuredClone(cached);
  if (pv.metadata?.deletionTimestamp) {
    await dropProtection(pv, opts);
    return;
  }
  const ref = pv.spec?.claimRef;
  // Pending (just created), or pre-bound by name to a claim that has not been bound yet.
  if (!ref?.name || !ref.uid) {
    await setVolumePhase(pv, 'Available', opts);
    return;
  }
  const claim = await claimOf(pv, opts);
  if (claim && claim.metadata?.uid === ref.uid) {
    await setVolumePhase(pv, 'Bound', opts);
    return;
  }
  // The claim is gone: the volume is released and its reclaim policy applies.
  let released = pv;
  if (pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed') released = await setVolumePhase(pv, 'Released', opts);
  if (released.status?.phase === 'Released') await reclaim(released, opts);
}
