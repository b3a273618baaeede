// The Deployment controller (upstream pkg/controller/deployment). Handlers map Deployment,
// ReplicaSet and Pod events to Deployment keys; sync(key) is idempotent:
//   claim ReplicaSets → deleting? status only → paused condition → paused or scaling event?
//   proportional scale : Recreate | RollingUpdate step → status and conditions.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  createWorkQueue,
  enqueueOnChange,
  keyOf,
  NAMESPACE_INDEX,
  namespaceIndexer,
  resources,
  runController,
  splitKey,
  type Informer,
} from '../../client/index.ts';
import { claimChildren, controllerOf } from '../controller-ref.ts';
import { isEmptySelector, selectorMatcher } from '../../api/index.ts';
import { isPodActive } from '../pod-util.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { DEPLOYMENT_GVK, type SyncContext } from './context.ts';
import { checkPausedConditions, syncDeploymentStatus } from './progress.ts';
import { rolloutRecreate } from './recreate.ts';
import { rolloutRolling } from './rolling.ts';
import { getReplicaSets, isScalingEvent, syncScaleOrPaused } from './sync.ts';
import { isRollingUpdate } from './util.ts';

export function createDeploymentController(deps: ControllerDeps): Controller {
  const { client, clock, logger, recorder } = deps;
  const queue = createWorkQueue<string>({ name: 'deployment', clock });
  const indexers = { [NAMESPACE_INDEX]: namespaceIndexer };
  const deployments: Informer<Deployment> = deps.informers.informerFor<Deployment>(resources.deployments, { indexers });
  const replicasets: Informer<ReplicaSet> = deps.informers.informerFor<ReplicaSet>(resources.replicasets, { indexers });
  const pods: Informer<Pod> = deps.informers.informerFor<Pod>(resources.pods, { indexers });

  /** The Deployment key owning `rs` (by controllerRef), or the Deployments that could adopt it. */
  function keysForRs(rs: ReplicaSet): string[] {
    const ref = controllerOf(rs);
    const ns = rs.metadata?.namespace ?? '';
    if (ref) {
      if (ref.kind !== 'Deployment') return [];
      const d = deployments.store.get(`${ns}/${ref.name}`);
      return d?.metadata?.uid === ref.uid ? [keyOf(d)] : [];
    }
    return deployments.store
      .byIndex(NAMESPACE_INDEX, ns)
      .filter((d) => selectorMatcher(d.spec?.selector)(rs.metadata?.labels))
      .map((d) => keyOf(d));
  }

  enqueueOnChange(deployments, queue);
  enqueueOnChange(replicasets, queue, keysForRs);
  // Recreate waits for old pods to be gone: a pod deletion may unblock it.
  pods.on('delete', (pod) => {
    const ref = controllerOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = replicasets.store.get(`${pod.metadata?.namespace}/${ref.name}`);
    if (rs) keysForRs(rs).forEach((k) => queue.add(k));
  });

  async function sync(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const cached = deployments.store.get(key);
    if (!cached) return;
    const d = structuredClone(cached);
    if (isEmptySelector(d.spec?.selector)) {
      recorder.event(d, {
        ...DEPLOYMENT_GVK,
        type: 'Warning',
        reason: 'SelectingAll',
        message: 'This deployment is selecting all pods. A non-empty selector is required.',
      });
      return;
    }
    const { namespace } = splitKey(key);
    const matches = selectorMatcher(d.spec?.selector);
    const rsList = await claimChildren<ReplicaSet>(replicasets.store.byIndex(NAMESPACE_INDEX, namespace ?? ''), {
      client,
      ref: resources.replicasets,
      owner: d,
      ownerGvk: DEPLOYMENT_GVK,
      matches: (rs) => matches(rs.metadata?.labels),
      canAdopt: !d.metadata?.deletionTimestamp,
    });
    const rsUids = new Set(rsList.map((rs) => rs.metadata?.uid));
    const podsByRs = new Map<string, Pod[]>();
    for (const p of pods.store.byIndex(NAMESPACE_INDEX, namespace ?? '')) {
      const ref = controllerOf(p);
      if (!ref || !rsUids.has(ref.uid) || !isPodActive(p)) continue;
      podsByRs.set(ref.uid, [...(podsByRs.get(ref.uid) ?? []), p]);
    }
    const ctx: SyncContext = { client, clock, recorder, signal, d, rsList: rsList.map((rs) => structuredClone(rs)), podsByRs };

    if (d.metadata?.deletionTimestamp) {
      const { newRS, oldRSs } = await getReplicaSets(ctx, false);
      await syncDeploymentStatus(ctx, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
      return;
    }
    await checkPausedConditions(ctx);
    if (ctx.d.spec?.paused || isScalingEvent(ctx)) {
      await syncScaleOrPaused(ctx);
    } else if (isRollingUpdate(ctx.d)) {
      await rolloutRolling(ctx);
    } else {
      await rolloutRecreate(ctx);
    }
    if (ctx.requeueAfterMs !== undefined) return { requeueAfterMs: ctx.requeueAfterMs };
  }

  return {
    name: 'deployment',
    run: (signal) => runController({ name: 'deployment-controller', reconciler: { reconcile: sync }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}
