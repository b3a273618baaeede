// The StatefulSet controller (upstream pkg/controller/statefulset), one idempotent sync(key):
//   1. record the template as a ControllerRevision (updateRevision); currentRevision is the one
//      all pods had when the last rollout finished;
//   2. replace failed pods and create missing ordinals 0..replicas-1 (pods below the partition from
//      the current revision); OrderedReady creates one at a time and waits for Running+Ready;
//   3. delete ordinals ≥ replicas, highest first (one at a time under OrderedReady);
//   4. RollingUpdate: once every pod is Running+Ready, delete the highest-ordinal pod ≥ partition
//      that is not at updateRevision; it comes back from step 2 at the new revision. OnDelete only
//      uses the new revision for pods a user deleted;
//   5. write status.
// A pod deleted behind our back is recreated with the same name (and a new uid). Writes race with
// the informer: a create of a name still present fails AlreadyExists and the sync waits for the
// next event, so no expectations are needed with fixed names.
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import {
  createWorkQueue,
  enqueueOnChange,
  isConflict,
  isNotFound,
  NAMESPACE_INDEX,
  namespaceIndexer,
  resources,
  runController,
  splitKey,
  ignoreAlreadyExists,
} from '../../client/index.ts';
import { claimChildren, controllerOf } from '../controller-ref.ts';
import { ensureRevision, REVISION_HASH_LABEL, truncateHistory, revisionTemplate } from '../controller-revision.ts';
import { selectorMatcher } from '../../api/index.ts';
import { isPodAvailable, isPodReady } from '../pod-util.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { newStatefulPod, ordinalOf, STS_GVK } from './pods.ts';
import { writeStatus } from '../status.ts';
import { syncOrdinalClaims, withClaimVolumes } from './claims.ts';

const runningReady = (p: Pod): boolean => p.status?.phase === 'Running' && isPodReady(p);
const failed = (p: Pod): boolean => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
const terminating = (p: Pod): boolean => !!p.metadata?.deletionTimestamp;
const hashOf = (p: Pod): string | undefined => p.metadata?.labels?.[REVISION_HASH_LABEL];

export function createStatefulSetController(deps: ControllerDeps): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'statefulset', clock });
  const idx = { indexers: { [NAMESPACE_INDEX]: namespaceIndexer } };
  const sets = deps.informers.informerFor<StatefulSet>(resources.statefulsets, idx);
  const pods = deps.informers.informerFor<Pod>(resources.pods, idx);
  const revisions = deps.informers.informerFor<ControllerRevision>(resources.controllerrevisions, idx);
  const claims = deps.informers.informerFor<PersistentVolumeClaim>(resources.persistentvolumeclaims);

  enqueueOnChange(sets, queue);
  const ownerKeys = (o: Pod | ControllerRevision): string[] => {
    const ref = controllerOf(o);
    return ref?.kind === 'StatefulSet' ? [`${o.metadata?.namespace}/${ref.name}`] : [];
  };
  enqueueOnChange(pods, queue, ownerKeys);
  enqueueOnChange(revisions, queue, ownerKeys);

  async function deletePod(p: Pod, signal: AbortSignal): Promise<void> {
    try {
      await client.delete(resources.pods, p.metadata?.namespace, p.metadata?.name ?? '', { preconditions: { uid: p.metadata?.uid } }, { signal });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  async function createPod(pod: Pod, signal: AbortSignal): Promise<void> {
    await client.create(resources.pods, pod.metadata?.namespace, pod, { signal }).catch(ignoreAlreadyExists);
  }

  async function sync(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const cached = sets.store.get(key);
    if (!cached || cached.metadata?.deletionTimestamp) return;
    const set = structuredClone(cached);
    const { namespace } = splitKey(key);
    const ns = namespace ?? '';
    const uid = set.metadata?.uid;
    const owned = revisions.store.byIndex(NAMESPACE_INDEX, ns).filter((r) => controllerOf(r)?.uid === uid);
    const updateRev = await ensureRevision(set, { client, gvk: STS_GVK, existing: owned, signal });
    const currentRev = owned.find((r) => r.metadata?.name === set.status?.currentRevision) ?? updateRev;
    const updateHash = updateRev.metadata?.labels?.[REVISION_HASH_LABEL] ?? '';
    const currentHash = currentRev.metadata?.labels?.[REVISION_HASH_LABEL] ?? updateHash;
    const matches = selectorMatcher(set.spec?.selector);
    const claimed = await claimChildren<Pod>(pods.store.byIndex(NAMESPACE_INDEX, ns), {
      client,
      ref: resources.pods,
      owner: set,
      ownerGvk: STS_GVK,
      matches: (p) => matches(p.metadata?.labels) && ordinalOf(set, p) >= 0,
      canAdopt: true,
    });
    const replicas = set.spec?.replicas ?? 1;
    const ordered = (set.spec?.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
    const rolling = (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    const partition = rolling ? (set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
    const byOrdinal = new Map<number, Pod>();
    for (const p of claimed) byOrdinal.set(ordinalOf(set, p), p);

    /** Set when a pod waits for its claim to finish deleting: look again shortly. */
    let waitingForClaims = false;
    const claimOpts = { client, claims: claims.store, signal };
    const hasTemplates = (set.spec?.volumeClaimTemplates ?? []).length > 0;
    await manage();
    const status = computeStatus();
    if (JSON.stringify(status) !== JSON.stringify(set.status ?? {})) await writeStatus(client, resources.statefulsets, set, status, signal);
    await truncateHistory(set, owned, {
      client,
      live: new Set([updateRev.metadata?.name ?? '', currentRev.metadata?.name ?? '', ...claimed.map((p) => `${set.metadata?.name}-${hashOf(p)}`)]),
      signal,
    });
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (waitingForClaims) return { requeueAfterMs: 1000 };
    if (minReady > 0 && status.availableReplicas !== status.readyReplicas) return { requeueAfterMs: minReady * 1000 };

    async function manage(): Promise<void> {
      // Replace failed pods and create missing ones.
      for (let i = 0; i < replicas; i++) {
        const p = byOrdinal.get(i);
        if (p && failed(p) && !terminating(p)) {
          await deletePod(p, signal);
          if (ordered) return;
          continue;
        }
        if (hasTemplates && !terminating(p ?? {})) {
          // Claims first: a pod never starts without them, and a returning ordinal gets its old ones.
          if ((await syncOrdinalClaims(set, i, { ...claimOpts, pod: p, condemned: false })) && !p) {
            waitingForClaims = true;
            if (ordered) return;
            continue;
          }
        }
        if (!p) {
          const useCurrent = rolling ? i < partition : false;
          const rev = useCurrent ? currentRev : updateRev;
          const template = revisionTemplate(rev) ?? set.spec?.template ?? {};
          const pod = newStatefulPod(set, i, { template, hash: (useCurrent ? currentHash : updateHash) || updateHash });
          await createPod(withClaimVolumes(pod, set, i), signal);
          if (ordered) return;
          continue;
        }
        if (ordered && (terminating(p) || !runningReady(p))) return;
      }
      // Scale down, highest ordinal first.
      const condemned = [...byOrdinal.entries()].filter(([i]) => i >= replicas).sort((a, b) => b[0] - a[0]);
      for (const [ordinal, p] of condemned) {
        if (terminating(p)) {
          if (ordered) return;
          continue;
        }
        // whenScaled=Delete: the pod becomes its claims' owner, so they go with it.
        if (hasTemplates) await syncOrdinalClaims(set, ordinal, { ...claimOpts, pod: p, condemned: true });
        await deletePod(p, signal);
        if (ordered) return;
      }
      if (!rolling) return;
      // Rolling update: every pod Running+Ready first, then one pod at a time from the top.
      for (let i = 0; i < replicas; i++) {
        const p = byOrdinal.get(i);
        if (!p || terminating(p) || !runningReady(p)) return;
      }
      for (let i = replicas - 1; i >= partition; i--) {
        const p = byOrdinal.get(i);
        if (p && hashOf(p) !== updateHash) {
          await deletePod(p, signal);
          return;
        }
      }
    }

    function computeStatus(): StatefulSetStatus {
      const live = claimed.filter((p) => !terminating(p));
      const count = (f: (p: Pod) => boolean) => live.filter(f).length;
      const updated = count((p) => hashOf(p) === updateHash);
      const done = updated === replicas && live.length === replicas && count(runningReady) === replicas;
      return {
        observedGeneration: set.metadata?.generation,
        replicas: live.length,
        readyReplicas: count(isPodReady),
        currentReplicas: done ? updated : count((p) => hashOf(p) === currentHash),
        updatedReplicas: updated,
        availableReplicas: count((p) => isPodAvailable(p, set.spec?.minReadySeconds ?? 0, clock.now())),
        currentRevision: done ? updateRev.metadata?.name : currentRev.metadata?.name,
        updateRevision: updateRev.metadata?.name,
        collisionCount: set.status?.collisionCount ?? 0,
      };
    }
  }

  return {
    name: 'statefulset',
    run: (signal) => runController({ name: 'statefulset-controller', reconciler: { reconcile: sync }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}
