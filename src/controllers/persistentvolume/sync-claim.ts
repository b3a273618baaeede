// One PersistentVolumeClaim's sync: protection (a deleted claim keeps `kubernetes.io/pvc-protection`
// until no unfinished pod uses it), binding to a matching volume or provisioning one, keeping a
// bound claim's status in line with its volume (expansion included), and Lost when the volume goes.
import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimStatus, Pod } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound, resources } from '../../client/index.ts';
import { holdsClaims, POD_CLAIM_INDEX, claimKeysOfPod } from './claims-in-use.ts';
import { LOCAL_PATH_PROVISIONER, localPathVolume, SELECTED_NODE_ANNOTATION } from './local-path.ts';
import { claimRequest, findBestMatch, volumeCapacity } from './matching.ts';
import { claimEvent, type SyncOptions } from './volume-context.ts';
import { jsonEqualStatus, mismatchReason } from './claim-status.ts';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
const STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
const BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';

async function updateClaim(c: PersistentVolumeClaim, opts: SyncOptions): Promise<PersistentVolumeClaim> {
  return opts.ctx.client.update<PersistentVolumeClaim>(resources.persistentvolumeclaims, c.metadata?.namespace, c, { signal: opts.signal });
}

async function writeClaimStatus(c: PersistentVolumeClaim, status: PersistentVolumeClaimStatus, opts: SyncOptions): Promise<void> {
  if (jsonEqualStatus(c.status ?? {}, status)) return;
  await opts.ctx.client.update(resources.persistentvolumeclaims, c.metadata?.namespace, { ...c, status }, { subresource: 'status', signal: opts.signal });
}

/** Whether an unfinished pod uses the claim; asks the server when the cache says no. */
async function inUse(c: PersistentVolumeClaim, opts: SyncOptions): Promise<boolean> {
  const key = `${c.metadata?.namespace ?? ''}/${c.metadata?.name ?? ''}`;
  if (opts.ctx.pods.byIndex(POD_CLAIM_INDEX, key).some(holdsClaims)) return true;
  const live = await opts.ctx.client.list<Pod>(resources.pods, c.metadata?.namespace, { signal: opts.signal });
  return live.items.some((p) => holdsClaims(p) && claimKeysOfPod(p).includes(key));
}

async function releaseProtection(c: PersistentVolumeClaim, opts: SyncOptions): Promise<void> {
  const finalizers = c.metadata?.finalizers ?? [];
  if (!finalizers.includes(PVC_PROTECTION_FINALIZER) || (await inUse(c, opts))) return;
  try {
    await updateClaim({ ...c, metadata: { ...c.metadata, finalizers: finalizers.filter((f) => f !== PVC_PROTECTION_FINALIZER) } }, opts);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Points the volume at the claim (claimRef with uid) and the claim at the volume. */
async function bind(pv: PersistentVolume, c: PersistentVolumeClaim, opts: SyncOptions): Promise<void> {
  const ref = pv.spec?.claimRef;
  if (ref?.uid !== c.metadata?.uid) {
    const annotations = { ...(pv.metadata?.annotations ?? {}), ...(ref?.name ? {} : { [BOUND_BY_CONTROLLER]: 'yes' }) };
    await opts.ctx.client.update(
      resources.persistentvolumes,
      undefined,
      {
        ...pv,
        metadata: { ...pv.metadata, annotations },
        spec: {
          ...pv.spec,
          claimRef: {
            kind: 'PersistentVolumeClaim',
            apiVersion: 'v1',
            namespace: c.metadata?.namespace,
            name: c.metadata?.name,
            uid: c.metadata?.uid,
            resourceVersion: c.metadata?.resourceVersion,
          },
        },
      },
      { signal: opts.signal },
    );
  }
  const annotations = { ...(c.metadata?.annotations ?? {}), [BIND_COMPLETED]: 'yes', ...(c.spec?.volumeName ? {} : { [BOUND_BY_CONTROLLER]: 'yes' }) };
  const updated = await updateClaim({ ...c, metadata: { ...c.metadata, annotations }, spec: { ...c.spec, volumeName: pv.metadata?.name } }, opts);
  await writeClaimStatus(updated, boundStatus(updated, pv), opts);
}

function boundStatus(c: PersistentVolumeClaim, pv: PersistentVolume): PersistentVolumeClaimStatus {
  return { ...(c.status ?? {}), phase: 'Bound', accessModes: pv.spec?.accessModes, capacity: pv.spec?.capacity };
}

async function syncBound(c: PersistentVolumeClaim, opts: SyncOptions): Promise<void> {
  const name = c.spec?.volumeName ?? '';
  const pv = opts.ctx.volumes.get(name);
  if (!pv) {
    if (c.status?.phase === 'Bound' || c.status?.phase === 'Lost') {
      if (c.status.phase === 'Bound')
        claimEvent(opts.ctx, c, { type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' });
      await writeClaimStatus(c, { ...c.status, phase: 'Lost' }, opts);
    }
    return;
  }
  const ref = pv.spec?.claimRef;
  if (!ref?.name) {
    // The user pre-bound the claim to this volume by name.
    const why = mismatchReason(pv, c);
    if (why) {
      claimEvent(opts.ctx, c, { type: 'Warning', reason: 'FailedBinding', message: `Cannot bind to requested volume "${name}": ${why}` });
      return;
    }
    await bind(pv, c, opts);
    return;
  }
  const mine = ref.name === c.metadata?.name && ref.namespace === c.metadata?.namespace && (!ref.uid || ref.uid === c.metadata?.uid);
  if (!mine) {
    if (c.status?.phase === 'Bound') {
      claimEvent(opts.ctx, c, { type: 'Warning', reason: 'ClaimMisbound', message: 'Two claims are bound to the same volume, this one is bound incorrectly' });
      await writeClaimStatus(c, { ...c.status, phase: 'Lost' }, opts);
    } else claimEvent(opts.ctx, c, { type: 'Normal', reason: 'FailedBinding', message: `volume "${name}" already bound to a different claim.` });
    return;
  }
  if (!ref.uid || !c.metadata?.annotations?.[BIND_COMPLETED]) {
    await bind(pv, c, opts);
    return;
  }
  await expand(c, pv, opts);
}

/** Grows a provisioned volume to a larger request (local-path has no quota: the size is reported). */
async function expand(c: PersistentVolumeClaim, pv: PersistentVolume, opts: SyncOptions): Promise<void> {
  const cls = c.spec?.storageClassName ? opts.ctx.classes.get(c.spec.storageClassName) : undefined;
  let volume = pv;
  if (cls?.allowVolumeExpansion && claimRequest(c) > volumeCapacity(pv)) {
    volume = await opts.ctx.client.update<PersistentVolume>(
      resources.persistentvolumes,
      undefined,
      {
        ...pv,
        spec: { ...pv.spec, capacity: { ...(pv.spec?.capacity ?? {}), storage: c.spec?.resources?.requests?.storage ?? '0' } },
      },
      { signal: opts.signal },
    );
    claimEvent(opts.ctx, c, { type: 'Normal', reason: 'VolumeResizeSuccessful', message: `ResizeVolume succeeded for volume "${pv.metadata?.name ?? ''}"` });
  }
  await writeClaimStatus(c, boundStatus(c, volume), opts);
}

async function syncUnbound(c: PersistentVolumeClaim, opts: SyncOptions): Promise<void> {
  const { ctx } = opts;
  const className = c.spec?.storageClassName ?? '';
  const cls = className ? ctx.classes.get(className) : undefined;
  const wffc = cls?.volumeBindingMode === 'WaitForFirstConsumer';
  const selected = c.metadata?.annotations?.[SELECTED_NODE_ANNOTATION];
  if (wffc && !selected) {
    claimEvent(ctx, c, { type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' });
    return;
  }
  const node = selected ? ctx.nodes.get(selected) : undefined;
  const match = findBestMatch(c, ctx.volumes.list(), { node: wffc ? node : undefined });
  if (match && (!wffc || node)) {
    await bind(match, c, opts);
    return;
  }
  if (className && !cls) {
    claimEvent(ctx, c, { type: 'Warning', reason: 'ProvisioningFailed', message: `storageclass.storage.k8s.io "${className}" not found` });
    return;
  }
  if (!cls) {
    claimEvent(ctx, c, { type: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' });
    return;
  }
  const provisioner = cls.provisioner;
  if (c.metadata?.annotations?.[STORAGE_PROVISIONER] !== provisioner) {
    c = await updateClaim(
      {
        ...c,
        metadata: {
          ...c.metadata,
          annotations: { ...(c.metadata?.annotations ?? {}), [STORAGE_PROVISIONER]: provisioner, [BETA_STORAGE_PROVISIONER]: provisioner },
        },
      },
      opts,
    );
  }
  if (provisioner !== LOCAL_PATH_PROVISIONER) {
    claimEvent(ctx, c, {
      type: 'Normal',
      reason: 'ExternalProvisioning',
      message: `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    });
    return;
  }
  if (!node) {
    const message = selected
      ? `failed to provision volume with StorageClass "${className}": nodes "${selected}" not found`
      : `failed to provision volume with StorageClass "${className}": configuration error, no node was specified`;
    claimEvent(ctx, c, { type: 'Warning', reason: 'ProvisioningFailed', message });
    return;
  }
  const ns = c.metadata?.namespace ?? '';
  claimEvent(ctx, c, {
    type: 'Normal',
    reason: 'Provisioning',
    message: `External provisioner is provisioning volume for claim "${ns}/${c.metadata?.name ?? ''}"`,
  });
  const pv = localPathVolume(c, { node, storageClass: cls });
  try {
    await ctx.client.create(resources.persistentvolumes, undefined, pv, { signal: opts.signal });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    return;
  }
  claimEvent(ctx, c, { type: 'Normal', reason: 'ProvisioningSucceeded', message: `Successfully provisioned volume ${pv.metadata?.name ?? ''}` });
}

export async function syncClaim(key: string, opts: SyncOptions): Promise<void> {
  const cached = opts.ctx.claims.get(key);
  if (!cached) return;
  const c = structuredClone(cached);
  if (c.metadata?.deletionTimestamp) {
    await releaseProtection(c, opts);
    return;
  }
  if (c.spec?.volumeName) await syncBound(c, opts);
  else await syncUnbound(c, opts);
}
