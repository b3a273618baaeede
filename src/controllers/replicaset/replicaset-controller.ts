// The ReplicaSet controller (upstream pkg/controller/replicaset), parameterised by kind so the same
// code can serve ReplicationController. Event handlers only compute keys and record expectation
// observations; sync(key) is idempotent:
//   1. the RS from the cache (gone → forget its expectations);
//   2. claim pods: adopt matching orphans, release non-matching children;
//   3. if expectations are satisfied and the RS is not being deleted: create/delete pods;
//   4. write status if it changed; requeue after minReadySeconds while pods are ready but not yet
//      available.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import {
  createExpectations,
  createWorkQueue,
  enqueueOnChange,
  isConflict,
  isNotFound,
  keyOf,
  NAMESPACE_INDEX,
  namespaceIndexer,
  resources,
  runController,
  splitKey,
  type Expectations,
  type Informer,
} from '../../client/index.ts';
import { claimChildren, controllerOf } from '../controller-ref.ts';
import { isPodActive, isPodReady } from '../pod-util.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import type { ReplicatedKind, ReplicatedObject } from './kind.ts';
import { replicaSetKind } from './kind.ts';
import { manageReplicas } from './manage.ts';
import { calculateStatus, statusEqual } from './status.ts';

export function createReplicaSetController(deps: ControllerDeps, opts: { kind?: ReplicatedKind } = {}): Controller {
  const kind = opts.kind ?? replicaSetKind;
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: kind.name, clock });
  const expectations: Expectations = createExpectations({ clock });
  const owners: Informer<ReplicatedObject> = deps.informers.informerFor<ReplicatedObject>(kind.ref, { indexers: { [NAMESPACE_INDEX]: namespaceIndexer } });
  const pods: Informer<Pod> = deps.informers.informerFor<Pod>(resources.pods, { indexers: { [NAMESPACE_INDEX]: namespaceIndexer } });

  /** Key of the owner controlling `pod`, if it is one of ours and still the same object. */
  function ownerKey(pod: Pod): string | undefined {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== kind.gvk.kind) return undefined;
    const key = `${pod.metadata?.namespace}/${ref.name}`;
    const owner = owners.store.get(key);
    return owner?.metadata?.uid === ref.uid ? key : undefined;
  }

  /** Owners whose selector matches an orphan pod (they may adopt it). */
  function matchingOwners(pod: Pod): string[] {
    return owners.store
      .byIndex(NAMESPACE_INDEX, pod.metadata?.namespace ?? '')
      .filter((o) => kind.selector(o)(pod.metadata?.labels))
      .map((o) => keyOf(o));
  }

  enqueueOnChange(owners, queue);
  pods.on('add', (pod) => {
    if (pod.metadata?.deletionTimestamp) {
      const k = ownerKey(pod);
      if (k) {
        expectations.deletionObservedOf(k, keyOf(pod));
        queue.add(k);
      }
      return;
    }
    const k = ownerKey(pod);
    if (k) {
      expectations.creationObserved(k);
      queue.add(k);
    } else if (!controllerOf(pod)) {
      matchingOwners(pod).forEach((o) => queue.add(o));
    }
  });
  pods.on('update', (old, pod) => {
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const k = ownerKey(pod);
    if (pod.metadata?.deletionTimestamp && k) expectations.deletionObservedOf(k, keyOf(pod));
    const oldK = ownerKey(old);
    if (oldK && oldK !== k) queue.add(oldK);
    if (k) {
      queue.add(k);
      // A pod that just became ready becomes available after minReadySeconds: look again then.
      const minReady = owners.store.get(k)?.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) queue.addAfter(k, minReady * 1000 + 1000);
    } else if (!controllerOf(pod)) {
      matchingOwners(pod).forEach((o) => queue.add(o));
    }
  });
  pods.on('delete', (pod) => {
    const k = ownerKey(pod);
    if (!k) return;
    expectations.deletionObservedOf(k, keyOf(pod));
    queue.add(k);
  });

  async function writeStatus(rs: ReplicatedObject, status: ReplicaSetStatus, signal: AbortSignal): Promise<void> {
    let current = rs;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await client.update(kind.ref, current.metadata?.namespace, { ...current, status }, { subresource: 'status', signal });
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e) || attempt > 0) throw e;
        current = await client.get<ReplicatedObject>(kind.ref, rs.metadata?.namespace, rs.metadata?.name ?? '', { signal });
      }
    }
  }

  async function sync(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const cached = owners.store.get(key);
    if (!cached) {
      expectations.delete(key);
      return;
    }
    const rs = structuredClone(cached);
    const { namespace } = splitKey(key);
    const needsSync = expectations.satisfied(key) && !rs.metadata?.deletionTimestamp;
    const candidates = pods.store.byIndex(NAMESPACE_INDEX, namespace ?? '').filter(isPodActive);
    const matches = kind.selector(rs);
    const owned = await claimChildren<Pod>(candidates, {
      client,
      ref: resources.pods,
      owner: rs,
      ownerGvk: kind.gvk,
      matches: (p) => matches(p.metadata?.labels),
      canAdopt: !rs.metadata?.deletionTimestamp,
    });
    let manageError: Error | undefined;
    if (needsSync) manageError = await manageReplicas(rs, owned, { client, kind, expectations, key, signal });
    const status = calculateStatus(rs, owned, manageError, clock.now());
    if (!statusEqual(rs.status, status)) await writeStatus(rs, status, signal);
    if (manageError) throw manageError;
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.readyReplicas !== status.availableReplicas) return { requeueAfterMs: minReady * 1000 };
  }

  return {
    name: kind.name,
    run: (signal) => runController({ name: `${kind.name}-controller`, reconciler: { reconcile: sync }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}
