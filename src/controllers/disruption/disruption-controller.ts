// The disruption controller (upstream pkg/controller/disruption): keeps each PodDisruptionBudget's
// status — expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed, disruptedPods,
// observedGeneration and the DisruptionAllowed condition — from the pods its selector matches.
// The eviction subresource spends disruptionsAllowed; this controller gives it back once the
// evicted pod is gone (or after DELETION_TIMEOUT_MS, when the deletion never happened).
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import {
  createWorkQueue,
  isConflict,
  isNotFound,
  keyOf,
  NAMESPACE_INDEX,
  namespaceIndexer,
  objectPath,
  resources,
  runController,
  splitKey,
  type Client,
  type Informer,
} from '../../client/index.ts';
import { controllerOf } from '../controller-ref.ts';
import { selectorMatcher, rfc3339 } from '../../api/index.ts';
import { isPodReady } from '../pod-util.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { canonical } from '../../util/index.ts';

/** How long an eviction recorded in disruptedPods is trusted to be under way (upstream 2 min). */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

/** intstr.GetScaledValueFromIntOrPercent with rounding up. */
export function scaledValue(v: number | string, total: number): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}`);
  return Math.ceil((Number(m[1]) * total) / 100);
}

export interface BudgetCounts {
  expectedPods: number;
  desiredHealthy: number;
}

/**
 * expectedPods and desiredHealthy (upstream getExpectedPodCount): an integer minAvailable counts
 * the matching pods; a percentage or maxUnavailable needs the owners' total scale (`totalScale`).
 */
export function budgetCounts(pdb: PodDisruptionBudget, pods: readonly Pod[], totalScale: () => number): BudgetCounts {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined) {
    const expected = totalScale();
    const maxUnavailable = scaledValue(spec.maxUnavailable, expected);
    return { expectedPods: expected, desiredHealthy: Math.max(0, expected - maxUnavailable) };
  }
  if (spec.minAvailable !== undefined) {
    if (typeof spec.minAvailable === 'number') return { expectedPods: pods.length, desiredHealthy: spec.minAvailable };
    const expected = totalScale();
    return { expectedPods: expected, desiredHealthy: scaledValue(spec.minAvailable, expected) };
  }
  return { expectedPods: pods.length, desiredHealthy: 0 };
}

export function createDisruptionController(deps: ControllerDeps): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'disruption', clock });
  const indexers = { [NAMESPACE_INDEX]: namespaceIndexer };
  const pdbs: Informer<PodDisruptionBudget> = deps.informers.informerFor<PodDisruptionBudget>(resources.poddisruptionbudgets, { indexers });
  const pods: Informer<Pod> = deps.informers.informerFor<Pod>(resources.pods, { indexers });

  pdbs.on('add', (b) => queue.add(keyOf(b)));
  pdbs.on('update', (_o, b) => queue.add(keyOf(b)));
  const onPod = (p: Pod): void => {
    for (const b of pdbs.store.byIndex(NAMESPACE_INDEX, p.metadata?.namespace ?? '')) {
      if (selectorMatcher(b.spec?.selector)(p.metadata?.labels)) queue.add(keyOf(b));
    }
  };
  pods.on('add', onPod);
  pods.on('update', (o, p) => {
    onPod(o);
    onPod(p);
  });
  pods.on('delete', onPod);

  async function reconcile(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const pdb = pdbs.store.get(key);
    if (!pdb) return;
    const { namespace } = splitKey(key);
    const match = selectorMatcher(pdb.spec?.selector);
    const matching = pods.store.byIndex(NAMESPACE_INDEX, namespace ?? '').filter((p) => match(p.metadata?.labels));
    const now = clock.now();
    let status: PodDisruptionBudgetStatus;
    let recheck: number | undefined;
    try {
      const needsScale = pdb.spec?.maxUnavailable !== undefined || typeof pdb.spec?.minAvailable === 'string';
      const scale = needsScale ? await totalScale(client, namespace ?? '', matching, signal) : 0;
      ({ status, recheck } = computeStatus(pdb, matching, { ...budgetCounts(pdb, matching, () => scale), nowMs: now }));
    } catch (e) {
      if (signal.aborted) throw e;
      status = {
        ...pdb.status,
        disruptionsAllowed: 0,
        currentHealthy: pdb.status?.currentHealthy ?? 0,
        desiredHealthy: pdb.status?.desiredHealthy ?? 0,
        expectedPods: pdb.status?.expectedPods ?? 0,
        observedGeneration: pdb.metadata?.generation,
        conditions: [condition(pdb, false, 'SyncFailed', e instanceof Error ? e.message : String(e), now)],
      };
    }
    if (canonical(status) !== canonical(pdb.status)) {
      try {
        await client.update<PodDisruptionBudget>(resources.poddisruptionbudgets, namespace, { ...pdb, status }, { subresource: 'status', signal });
      } catch (e) {
        if (isNotFound(e)) return;
        if (isConflict(e)) return { requeueAfterMs: 50 };
        throw e;
      }
    }
    return recheck === undefined ? undefined : { requeueAfterMs: recheck };
  }

  return {
    name: 'disruption',
    run: (signal) => runController({ name: 'disruption', reconciler: { reconcile }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}

/**
 * The status for `pods` given the budget's counts: currentHealthy counts Ready pods that are not
 * being deleted nor recorded as evicted within the last DELETION_TIMEOUT_MS; `recheck` is when the
 * oldest such record expires.
 */
export function computeStatus(
  pdb: PodDisruptionBudget,
  pods: readonly Pod[],
  opts: BudgetCounts & { nowMs: number },
): { status: PodDisruptionBudgetStatus; recheck?: number } {
  const disrupted: Record<string, string> = {};
  let recheck: number | undefined;
  const byName = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
  for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
    const pod = byName.get(name);
    if (!pod || pod.metadata?.deletionTimestamp) continue;
    const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (expires <= opts.nowMs) continue;
    disrupted[name] = at;
    recheck = Math.min(recheck ?? Infinity, expires - opts.nowMs);
  }
  const currentHealthy = pods.filter((p) => !p.metadata?.deletionTimestamp && !disrupted[p.metadata?.name ?? ''] && isPodReady(p)).length;
  let allowed = currentHealthy - opts.desiredHealthy;
  if (opts.expectedPods <= 0 || allowed <= 0) allowed = 0;
  const status: PodDisruptionBudgetStatus = {
    ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
    disruptionsAllowed: allowed,
    currentHealthy,
    desiredHealthy: opts.desiredHealthy,
    expectedPods: opts.expectedPods,
    observedGeneration: pdb.metadata?.generation,
    conditions: [allowed > 0 ? condition(pdb, true, 'SufficientPods', '', opts.nowMs) : condition(pdb, false, 'InsufficientPods', '', opts.nowMs)],
  };
  return { status, recheck };
}

/** The DisruptionAllowed condition, keeping lastTransitionTime while the status is unchanged. */
function condition(pdb: PodDisruptionBudget, ok: boolean, reason: string, message: string, nowMs: number): Condition {
  const s = ok ? 'True' : 'False';
  const old = pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
  return {
    type: 'DisruptionAllowed',
    status: s,
    reason,
    message,
    observedGeneration: pdb.metadata?.generation,
    lastTransitionTime: old?.status === s ? old.lastTransitionTime : rfc3339(nowMs),
  };
}

/**
 * Sum of the replicas of the controllers owning `pods` (upstream's finders): a ReplicaSet owned by
 * a Deployment counts the Deployment's replicas; other owners through their scale subresource.
 * Throws when a pod has no controller, as upstream ("found no controllers for pod").
 */
async function totalScale(client: Client, namespace: string, pods: readonly Pod[], signal: AbortSignal): Promise<number> {
  const seen = new Map<string, number>();
  for (const pod of pods) {
    const ref = controllerOf(pod);
    if (!ref) throw new Error(`found no controllers for pod "${pod.metadata?.name ?? ''}"`);
    let key = `${ref.kind}/${ref.name}`;
    if (seen.has(key)) continue;
    let replicas: number;
    if (ref.kind === 'ReplicaSet' && ref.apiVersion === 'apps/v1') {
      const rs = await client.get<ReplicaSet>(resources.replicasets, namespace, ref.name, { signal });
      const owner = controllerOf(rs);
      if (owner?.kind === 'Deployment') {
        key = `Deployment/${owner.name}`;
        const d = await client.get<Deployment>(resources.deployments, namespace, owner.name, { signal });
        replicas = d.spec?.replicas ?? 1;
      } else {
        replicas = rs.spec?.replicas ?? 1;
      }
    } else {
      const [group = '', version = ref.apiVersion] = ref.apiVersion.includes('/') ? ref.apiVersion.split('/') : ['', ref.apiVersion];
      const plural = `${ref.kind.toLowerCase()}s`;
      const path = objectPath({ group, version, resource: plural, namespaced: true }, namespace, ref.name, 'scale');
      const scale = await client.raw<{ spec?: { replicas?: number } }>('GET', path, undefined, { signal });
      replicas = scale.spec?.replicas ?? 0;
    }
    seen.set(key, replicas);
  }
  return [...seen.values()].reduce((a, b) => a + b, 0);
}
