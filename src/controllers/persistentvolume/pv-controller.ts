// The PersistentVolume controller (upstream pkg/controller/volume/persistentvolume plus the
// pvc/pv-protection controllers and the expander, in one loop). One queue holds `claim:<ns>/<name>`
// and `volume:<name>` keys; one worker syncs them, so binding decisions never race each other
// (writes still use resourceVersions, so a stale cache only costs a retry).
//
// Claim phases: Pending → Bound (volume found or provisioned) → Lost (its volume vanished).
// Volume phases: Pending (just created) → Available → Bound → Released (claim gone) → deleted
// (reclaim Delete) or kept (Retain); Failed when the policy cannot be carried out.
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { createEventRecorder, createWorkQueue, keyOf, resources, runController } from '../../client/index.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { claimKeysOfPod, POD_CLAIM_INDEX } from './claims-in-use.ts';
import { syncClaim } from './sync-claim.ts';
import { syncVolume } from './sync-volume.ts';
import type { VolumeContext } from './volume-context.ts';

export function createPersistentVolumeController(deps: ControllerDeps): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'persistentvolume', clock });
  const claims = deps.informers.informerFor<PersistentVolumeClaim>(resources.persistentvolumeclaims);
  const volumes = deps.informers.informerFor<PersistentVolume>(resources.persistentvolumes);
  const classes = deps.informers.informerFor<StorageClass>(resources.storageclasses);
  const nodes = deps.informers.informerFor<Node>(resources.nodes);
  const pods = deps.informers.informerFor<Pod>(resources.pods, { indexers: { [POD_CLAIM_INDEX]: claimKeysOfPod } });
  const recorder = createEventRecorder(client, { component: 'persistentvolume-controller', clock, logger });

  const claimKey = (c: PersistentVolumeClaim): string => `claim:${keyOf(c)}`;
  const volumeKey = (v: PersistentVolume): string => `volume:${v.metadata?.name ?? ''}`;
  const onClaim = (c: PersistentVolumeClaim): void => {
    queue.add(claimKey(c));
    if (c.spec?.volumeName) queue.add(`volume:${c.spec.volumeName}`);
  };
  claims.on('add', onClaim);
  claims.on('update', (_o, c) => onClaim(c));
  claims.on('delete', (c) => {
    // The volume it was bound to is now Released.
    for (const v of volumes.store.list()) {
      if (v.spec?.claimRef?.uid === c.metadata?.uid) queue.add(volumeKey(v));
    }
  });
  const onVolume = (v: PersistentVolume): void => {
    queue.add(volumeKey(v));
    const ref = v.spec?.claimRef;
    if (ref?.name) queue.add(`claim:${ref.namespace ?? ''}/${ref.name}`);
  };
  volumes.on('add', onVolume);
  volumes.on('update', (_o, v) => onVolume(v));
  volumes.on('delete', onVolume);
  // Available volumes may now satisfy Pending claims of a class; a class may have appeared.
  const pendingClaims = (): void => {
    for (const c of claims.store.list()) if (c.status?.phase !== 'Bound') queue.add(claimKey(c));
  };
  classes.on('add', pendingClaims);
  // Protection: a claim being deleted waits for the pods that use it.
  const onPod = (p: Pod): void => {
    for (const k of claimKeysOfPod(p)) queue.add(`claim:${k}`);
  };
  pods.on('update', (_o, p) => onPod(p));
  pods.on('delete', onPod);

  const ctx: VolumeContext = {
    client,
    recorder,
    claims: claims.store,
    volumes: volumes.store,
    classes: classes.store,
    nodes: nodes.store,
    pods: pods.store,
    logger,
  };

  async function reconcile(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    if (key.startsWith('claim:')) return syncClaim(key.slice('claim:'.length), { ctx, signal });
    if (key.startsWith('volume:')) return syncVolume(key.slice('volume:'.length), { ctx, signal });
  }

  return {
    name: 'persistentvolume-binder',
    run: async (signal) => {
      // Volumes that became Available while we were down may match waiting claims.
      volumes.on('update', (o, v) => {
        if (o.status?.phase !== 'Available' && v.status?.phase === 'Available') pendingClaims();
      });
      await runController({ name: 'persistentvolume-controller', reconciler: { reconcile }, queue, workers: 1, signal, logger });
      await recorder.flush().catch(() => undefined);
    },
  };
}
