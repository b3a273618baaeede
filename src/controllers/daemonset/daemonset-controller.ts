// The DaemonSet controller (upstream pkg/controller/daemon), one idempotent sync(key):
//   1. record the template as a ControllerRevision; pods carry its hash in controller-revision-hash;
//   2. per node (placement(): nodeSelector, required node affinity, taints vs the daemon
//      tolerations): create a pod pinned to the node where one should run and none exists; delete
//      failed pods, surplus pods (the oldest stays) and pods on nodes they may no longer run on;
//      delete pods whose node is gone (upstream leaves scheduled ones to PodGC, which Peapod lacks);
//   3. RollingUpdate: replace old pods, at most maxUnavailable nodes without an available pod at a
//      time (old unavailable pods go at once); with maxSurge the new pod starts beside the old one,
//      which goes once the new one is available. OnDelete: new pods only where a user deleted one;
//   4. write status, prune revisions beyond revisionHistoryLimit.
// Creations use generateName, so expectations keep a sync from creating twice before the informer
// has seen the first pod. Node events requeue every DaemonSet (placement may change).
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import {
  createExpectations,
  createWorkQueue,
  enqueueOnChange,
  isNotFound,
  keyOf,
  NAMESPACE_INDEX,
  namespaceIndexer,
  resources,
  runController,
  splitKey,
} from '../../client/index.ts';
import { claimChildren, controllerOf } from '../controller-ref.ts';
import { ensureRevision, REVISION_HASH_LABEL, truncateHistory, revisionTemplate } from '../controller-revision.ts';
import { scaledValue } from '../deployment/util.ts';
import { selectorMatcher } from '../../api/index.ts';
import { isPodAvailable, isPodReady } from '../pod-util.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { DS_GVK, newDaemonPod, placement, targetNode } from './daemon-pods.ts';
import { writeStatus } from '../status.ts';
import { byteOrder } from '../../util/index.ts';

const terminating = (p: Pod): boolean => !!p.metadata?.deletionTimestamp;
const hashOf = (p: Pod): string | undefined => p.metadata?.labels?.[REVISION_HASH_LABEL];
const created = (p: Pod): number => Date.parse(p.metadata?.creationTimestamp ?? '') || 0;
const oldestFirst = (a: Pod, b: Pod): number => created(a) - created(b) || byteOrder(a.metadata?.name ?? '', b.metadata?.name ?? '');

export function createDaemonSetController(deps: ControllerDeps): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'daemonset', clock });
  const expectations = createExpectations({ clock });
  const idx = { indexers: { [NAMESPACE_INDEX]: namespaceIndexer } };
  const sets = deps.informers.informerFor<DaemonSet>(resources.daemonsets, idx);
  const pods = deps.informers.informerFor<Pod>(resources.pods, idx);
  const nodes = deps.informers.informerFor<Node>(resources.nodes);
  const revisions = deps.informers.informerFor<ControllerRevision>(resources.controllerrevisions, idx);

  enqueueOnChange(sets, queue);
  const ownerKey = (o: Pod | ControllerRevision): string | undefined => {
    const ref = controllerOf(o);
    return ref?.kind === 'DaemonSet' ? `${o.metadata?.namespace}/${ref.name}` : undefined;
  };
  enqueueOnChange(revisions, queue, (r) => {
    const k = ownerKey(r);
    return k ? [k] : [];
  });
  pods.on('add', (p) => {
    const k = ownerKey(p);
    if (!k) return;
    expectations.creationObserved(k);
    queue.add(k);
  });
  pods.on('update', (o, p) => {
    const k = ownerKey(p);
    if (!k) return;
    // A graceful deletion is observed when it starts (as upstream): the pod may take its grace
    // period to go, and the DaemonSet should not wait for that to act on other nodes.
    if (p.metadata?.deletionTimestamp && !o.metadata?.deletionTimestamp) expectations.deletionObserved(k);
    queue.add(k);
  });
  pods.on('delete', (p) => {
    const k = ownerKey(p);
    if (!k) return;
    // Counted once: a pod last seen terminating was observed by the update handler.
    if (!p.metadata?.deletionTimestamp) expectations.deletionObserved(k);
    queue.add(k);
  });
  enqueueOnChange(nodes, queue, () => sets.store.list().map((d) => keyOf(d)));

  async function deletePods(key: string, list: readonly Pod[], signal: AbortSignal): Promise<void> {
    if (list.length === 0) return;
    expectations.raiseExpectations(key, 0, list.length);
    await Promise.all(
      list.map(async (p) => {
        try {
          await client.delete(resources.pods, p.metadata?.namespace, p.metadata?.name ?? '', { preconditions: { uid: p.metadata?.uid } }, { signal });
        } catch (e) {
          expectations.deletionObserved(key);
          if (!isNotFound(e)) throw e;
        }
      }),
    );
  }

  async function createPods(key: string, list: readonly Pod[], signal: AbortSignal): Promise<void> {
    if (list.length === 0) return;
    expectations.raiseExpectations(key, list.length, 0);
    await Promise.all(
      list.map(async (p) => {
        try {
          await client.create(resources.pods, p.metadata?.namespace, p, { signal });
        } catch (e) {
          expectations.creationObserved(key);
          throw e;
        }
      }),
    );
  }

  async function sync(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const cached = sets.store.get(key);
    if (!cached) {
      expectations.delete(key);
      return;
    }
    if (cached.metadata?.deletionTimestamp) return;
    const ds = structuredClone(cached);
    const ns = splitKey(key).namespace ?? '';
    const uid = ds.metadata?.uid;
    const owned = revisions.store.byIndex(NAMESPACE_INDEX, ns).filter((r) => controllerOf(r)?.uid === uid);
    const updateRev = await ensureRevision(ds, { client, gvk: DS_GVK, existing: owned, signal });
    const hash = updateRev.metadata?.labels?.[REVISION_HASH_LABEL] ?? '';
    const template = revisionTemplate(updateRev) ?? ds.spec?.template ?? {};
    const matches = selectorMatcher(ds.spec?.selector);
    const claimed = await claimChildren<Pod>(pods.store.byIndex(NAMESPACE_INDEX, ns), {
      client,
      ref: resources.pods,
      owner: ds,
      ownerGvk: DS_GVK,
      matches: (p) => matches(p.metadata?.labels),
      canAdopt: true,
    });
    const byNode = new Map<string, Pod[]>();
    for (const p of claimed) {
      const n = targetNode(p);
      if (n !== undefined) byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const nodeList = nodes.store.list();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const now = clock.now();
    const available = (p: Pod): boolean => isPodAvailable(p, minReady, now);
    const strategy = ds.spec?.updateStrategy;
    const rolling = (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    const desired = nodeList.filter((n) => placement(ds, n).shouldRun).length;
    const surge = rolling ? scaledValue(strategy?.rollingUpdate?.maxSurge, desired, true) : 0;
    let maxUnavailable = rolling ? scaledValue(strategy?.rollingUpdate?.maxUnavailable ?? 1, desired, true) : 0;
    if (rolling && surge === 0 && maxUnavailable === 0) maxUnavailable = 1;

    if (expectations.satisfied(key)) {
      const toCreate: Pod[] = [];
      const toDelete: Pod[] = [];
      const nodeNames = new Set<string>();
      for (const node of nodeList) {
        const name = node.metadata?.name ?? '';
        nodeNames.add(name);
        const { shouldRun, shouldContinueRunning } = placement(ds, node);
        const all = byNode.get(name) ?? [];
        const live = all.filter((p) => !terminating(p));
        if (!shouldContinueRunning) {
          toDelete.push(...live);
          continue;
        }
        const failedPods = live.filter((p) => p.status?.phase === 'Failed');
        toDelete.push(...failedPods);
        const running = live.filter((p) => p.status?.phase !== 'Failed').sort(oldestFirst);
        if (running.length === 0) {
          // Wait for a terminating pod to go before placing its replacement.
          if (shouldRun && all.length === live.length) toCreate.push(newDaemonPod(ds, { nodeName: name, template, hash }));
          continue;
        }
        // Surge: one old and one new pod may share a node during a rollout.
        const surging = surge > 0 && running.length === 2 && hashOf(running[0]!) !== hash && hashOf(running[1]!) === hash;
        if (!surging) toDelete.push(...running.slice(1));
      }
      for (const [name, list] of byNode) if (!nodeNames.has(name)) toDelete.push(...list.filter((p) => !terminating(p)));
      await deletePods(key, toDelete, signal);
      await createPods(key, toCreate, signal);
      if (rolling && toCreate.length === 0 && toDelete.length === 0) await rollingUpdate();
    }

    async function rollingUpdate(): Promise<void> {
      const deleteNow: Pod[] = [];
      const candidates: Pod[] = [];
      const surgeOn: string[] = [];
      let unavailable = 0;
      let surging = 0;
      for (const node of nodeList) {
        if (!placement(ds, node).shouldRun) continue;
        const name = node.metadata?.name ?? '';
        const live = (byNode.get(name) ?? []).filter((p) => !terminating(p));
        const newPod = live.find((p) => hashOf(p) === hash);
        const oldPod = live.find((p) => hashOf(p) !== hash);
        if (!oldPod) {
          if (!newPod || !available(newPod)) unavailable++;
          continue;
        }
        if (newPod) {
          // Surge in progress on this node: the old pod goes once the new one is available.
          if (available(newPod)) deleteNow.push(oldPod);
          else surging++;
          continue;
        }
        if (!available(oldPod)) {
          unavailable++;
          if (surge === 0) deleteNow.push(oldPod);
          else surgeOn.push(name);
          continue;
        }
        if (surge > 0) surgeOn.push(name);
        else candidates.push(oldPod);
      }
      const key = keyOf(ds);
      if (surge > 0) {
        const room = Math.max(0, surge - surging);
        const pinned = surgeOn.slice(0, room).map((nodeName) => newDaemonPod(ds, { nodeName, template, hash }));
        await deletePods(key, deleteNow, signal);
        await createPods(key, pinned, signal);
        return;
      }
      const budget = Math.max(0, maxUnavailable - unavailable);
      await deletePods(key, [...deleteNow, ...candidates.slice(0, budget)], signal);
    }

    const status = computeStatus();
    if (JSON.stringify(status) !== JSON.stringify(ds.status ?? {})) await writeStatus(client, resources.daemonsets, ds, status, signal);
    const liveHashes = claimed.map((p) => `${ds.metadata?.name}-${hashOf(p)}`);
    await truncateHistory(ds, owned, { client, live: new Set([updateRev.metadata?.name ?? '', ...liveHashes]), signal });
    if (minReady > 0 && status.numberAvailable !== status.numberReady) return { requeueAfterMs: minReady * 1000 };

    function computeStatus(): DaemonSetStatus {
      let current = 0;
      let misscheduled = 0;
      let ready = 0;
      let avail = 0;
      let updated = 0;
      for (const node of nodeList) {
        const { shouldRun } = placement(ds, node);
        const live = (byNode.get(node.metadata?.name ?? '') ?? []).filter((p) => !terminating(p)).sort(oldestFirst);
        if (live.length === 0) continue;
        if (!shouldRun) {
          misscheduled++;
          continue;
        }
        current++;
        const first = live[0]!;
        if (isPodReady(first)) ready++;
        if (available(first)) avail++;
        if (live.some((p) => hashOf(p) === hash)) updated++;
      }
      return {
        currentNumberScheduled: current,
        desiredNumberScheduled: desired,
        numberMisscheduled: misscheduled,
        numberReady: ready,
        numberAvailable: avail,
        numberUnavailable: Math.max(0, desired - avail),
        updatedNumberScheduled: updated,
        observedGeneration: ds.metadata?.generation,
        ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}),
        ...(ds.status?.conditions ? { conditions: ds.status.conditions } : {}),
      };
    }
  }

  return {
    name: 'daemonset',
    run: (signal) => runController({ name: 'daemonset-controller', reconciler: { reconcile: sync }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}
