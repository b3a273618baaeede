// The parts of a Deployment sync every strategy shares (upstream sync.go): finding or creating the
// new ReplicaSet and syncing revisions, proportional scaling when replicas change mid-rollout,
// and cleaning up old ReplicaSets beyond revisionHistoryLimit.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { isAlreadyExists, resources, ignoreNotFound } from '../../client/index.ts';
import { controllerOf, newControllerRef } from '../controller-ref.ts';
import { createReplicaSet, DEPLOYMENT_GVK, scaleReplicaSet, updateDeploymentStatus, updateReplicaSet, type SyncContext } from './context.ts';
import { getCondition, hasProgressDeadline, newCondition, PROGRESSING, setCondition, syncDeploymentStatus } from './progress.ts';
import { setDeploymentRevision, setNewReplicaSetAnnotations } from './rollback.ts';
import {
  byCreation,
  bySizeNewer,
  bySizeOlder,
  computeHash,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  findNewReplicaSet,
  isActive,
  isRollingUpdate,
  maxReplicasAnnotation,
  maxRevision,
  maxSurge,
  POD_TEMPLATE_HASH_LABEL,
  replicasOf,
  revisionOf,
  setReplicasAnnotations,
  sumSpecReplicas,
} from './util.ts';

export interface ReplicaSets {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

/** Keeps desired/max annotations in step with the Deployment. */
export const annotateReplicas =
  (ctx: SyncContext) =>
  (rs: ReplicaSet): boolean =>
    setReplicasAnnotations(rs, replicasOf(ctx.d), replicasOf(ctx.d) + maxSurge(ctx.d));

/**
 * Upstream NewRSNewReplicas: how big the new ReplicaSet may be now — up to replicas + maxSurge
 * pods in all ReplicaSets (RollingUpdate), or replicas at once (Recreate).
 */
export function newRSNewReplicas(ctx: SyncContext, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const d = ctx.d;
  if (!isRollingUpdate(d)) return replicasOf(d);
  const current = sumSpecReplicas(allRSs);
  const maxTotal = replicasOf(d) + maxSurge(d);
  if (current >= maxTotal) return replicasOf(newRS);
  const up = Math.min(maxTotal - current, replicasOf(d) - replicasOf(newRS));
  return replicasOf(newRS) + up;
}

/** Upstream getAllReplicaSetsAndSyncRevision + getNewReplicaSet. */
export async function getReplicaSets(ctx: SyncContext, createIfMissing: boolean): Promise<ReplicaSets> {
  const existing = findNewReplicaSet(ctx.d, ctx.rsList);
  const oldRSs = ctx.rsList.filter((rs) => rs.metadata?.uid !== existing?.metadata?.uid);
  const newRevision = maxRevision(oldRSs) + 1;
  const d = ctx.d;
  if (existing) {
    let rs = existing;
    const copy = structuredClone(existing);
    const annotated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
    const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
    if (annotated || minReadyChanged) {
      if (copy.spec) copy.spec.minReadySeconds = d.spec?.minReadySeconds;
      rs = await updateReplicaSet(ctx, copy);
    }
    let needsUpdate = setDeploymentRevision(ctx.d, String(revisionOf(rs)));
    if (hasProgressDeadline(d) && !getCondition(d.status, PROGRESSING)) {
      const status = (ctx.d.status ??= {});
      setCondition(status, newCondition(PROGRESSING, 'True', 'FoundNewReplicaSet', `Found new replica set "${rs.metadata?.name}"`, ctx.clock.now()));
      needsUpdate = true;
    }
    if (needsUpdate) await updateDeploymentStatus(ctx);
    return { newRS: rs, oldRSs };
  }
  if (!createIfMissing) return { newRS: undefined, oldRSs };

  const collisionCount = d.status?.collisionCount;
  const hash = computeHash(d.spec?.template, collisionCount);
  const template = structuredClone(d.spec?.template ?? {});
  (template.metadata ??= {}).labels = { ...(template.metadata.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const selector = structuredClone(d.spec?.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const name = `${d.metadata?.name}-${hash}`;
  const ns = d.metadata?.namespace;
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: ns, labels: template.metadata.labels, ownerReferences: [newControllerRef(d, DEPLOYMENT_GVK)] },
    spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds, selector, template },
  };
  rs.spec!.replicas = newRSNewReplicas(ctx, [...oldRSs, rs], rs);
  setNewReplicaSetAnnotations(d, rs, newRevision, false);
  let created: ReplicaSet;
  let alreadyExisted = false;
  try {
    created = await createReplicaSet(ctx, rs);
  } catch (e) {
    if (!isAlreadyExists(e)) {
      if (hasProgressDeadline(d)) {
        const status = (ctx.d.status ??= {});
        const msg = `Failed to create new replica set "${name}": ${e instanceof Error ? e.message : String(e)}`;
        setCondition(status, newCondition(PROGRESSING, 'False', 'ReplicaSetCreateError', msg, ctx.clock.now()));
        await updateDeploymentStatus(ctx);
      }
      throw e;
    }
    // Same name: ours with the same template is fine (a stale cache); anything else is a hash
    // collision, resolved by bumping collisionCount and trying again on the next sync.
    const other = await ctx.client.get<ReplicaSet>(resources.replicasets, ns, name, { signal: ctx.signal });
    if (controllerOf(other)?.uid === d.metadata?.uid && equalIgnoreHash(other.spec?.template, d.spec?.template)) {
      created = other;
      alreadyExisted = true;
    } else {
      const status = (ctx.d.status ??= {});
      status.collisionCount = (collisionCount ?? 0) + 1;
      await updateDeploymentStatus(ctx);
      throw new Error(`hash collision for ReplicaSet "${name}"; collisionCount is now ${status.collisionCount}`, { cause: e });
    }
  }
  if (!alreadyExisted) {
    ctx.recorder.event(ctx.d, {
      ...DEPLOYMENT_GVK,
      type: 'Normal',
      reason: 'ScalingReplicaSet',
      message: `Scaled up replica set ${name} from 0 to ${replicasOf(created)}`,
    });
    if (hasProgressDeadline(d)) {
      const status = (ctx.d.status ??= {});
      setCondition(status, newCondition(PROGRESSING, 'True', 'NewReplicaSetCreated', `Created new replica set "${name}"`, ctx.clock.now()));
    }
  }
  setDeploymentRevision(ctx.d, String(newRevision));
  await updateDeploymentStatus(ctx);
  return { newRS: created, oldRSs };
}

/** The one active ReplicaSet, or the newest if none is active; undefined while several are. */
function activeOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  const olds = [...oldRSs].sort(byCreation).reverse();
  const active = [...olds, ...(newRS ? [newRS] : [])].filter(isActive);
  if (active.length === 0) return newRS ?? olds[0];
  return active.length === 1 ? active[0] : undefined;
}

function isSaturated(ctx: SyncContext, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const want = replicasOf(ctx.d);
  return desiredReplicasAnnotation(rs) === want && (rs.status?.availableReplicas ?? 0) === want && replicasOf(rs) === want;
}

function proportion(ctx: SyncContext, rs: ReplicaSet, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const d = ctx.d;
  let fraction: number;
  if (replicasOf(d) === 0) fraction = -replicasOf(rs);
  else {
    const deploymentReplicas = replicasOf(d) + maxSurge(d);
    const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
    fraction = annotated === 0 ? 0 : Math.round((replicasOf(rs) * deploymentReplicas) / annotated) - replicasOf(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * Upstream scale(): a Deployment whose replicas changed resizes its one active ReplicaSet, or —
 * mid-rollout — spreads the difference over the active ReplicaSets in proportion to their size.
 */
export async function scale(ctx: SyncContext, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): Promise<void> {
  const d = ctx.d;
  const annotate = annotateReplicas(ctx);
  const only = activeOrLatest(newRS, oldRSs);
  if (only) {
    if (replicasOf(only) !== replicasOf(d)) await scaleReplicaSet(ctx, only, replicasOf(d), annotate);
    return;
  }
  if (isSaturated(ctx, newRS)) {
    for (const rs of oldRSs.filter(isActive)) await scaleReplicaSet(ctx, rs, 0, annotate);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const all = [...oldRSs, ...(newRS ? [newRS] : [])].filter(isActive);
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowed - sumSpecReplicas(all);
  all.sort(toAdd > 0 ? bySizeNewer : bySizeOlder);
  const sizes = new Map<ReplicaSet, number>();
  let added = 0;
  for (const rs of all) {
    const p = toAdd !== 0 ? proportion(ctx, rs, toAdd, added) : 0;
    sizes.set(rs, replicasOf(rs) + p);
    added += p;
  }
  if (toAdd !== 0 && all[0]) sizes.set(all[0], Math.max(0, (sizes.get(all[0]) ?? 0) + toAdd - added));
  for (const rs of all) await scaleReplicaSet(ctx, rs, sizes.get(rs) ?? replicasOf(rs), annotate);
}

/** A replicas change not yet reflected in the active ReplicaSets' desired-replicas annotation. */
export function isScalingEvent(ctx: SyncContext): boolean {
  const want = replicasOf(ctx.d);
  return ctx.rsList.filter(isActive).some((rs) => {
    const desired = desiredReplicasAnnotation(rs);
    return desired !== undefined && desired !== want;
  });
}

/** Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
export async function cleanupDeployment(ctx: SyncContext, oldRSs: readonly ReplicaSet[]): Promise<void> {
  const limit = ctx.d.spec?.revisionHistoryLimit;
  if (limit === undefined) return;
  const cleanable = oldRSs
    .filter(
      (rs) =>
        (rs.status?.replicas ?? 0) === 0 &&
        replicasOf(rs) === 0 &&
        (rs.metadata?.generation ?? 0) <= (rs.status?.observedGeneration ?? 0) &&
        !rs.metadata?.deletionTimestamp,
    )
    .sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  for (const rs of cleanable.slice(0, Math.max(0, cleanable.length - limit))) {
    await ctx.client
      .delete(resources.replicasets, rs.metadata?.namespace, rs.metadata?.name ?? '', { preconditions: { uid: rs.metadata?.uid } }, { signal: ctx.signal })
      .catch(ignoreNotFound);
  }
}

/** Sync for paused Deployments and scaling events: resize, clean up (paused), write status. */
export async function syncScaleOrPaused(ctx: SyncContext): Promise<void> {
  const { newRS, oldRSs } = await getReplicaSets(ctx, false);
  await scale(ctx, newRS, oldRSs);
  const refreshed = refresh(ctx, newRS, oldRSs);
  if (ctx.d.spec?.paused) await cleanupDeployment(ctx, refreshed.oldRSs);
  await syncDeploymentStatus(ctx, [...refreshed.oldRSs, ...(refreshed.newRS ? [refreshed.newRS] : [])], refreshed.newRS);
}

/** The latest copies (after writes) of the given ReplicaSets. */
export function refresh(ctx: SyncContext, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSets {
  const latest = (rs: ReplicaSet): ReplicaSet => ctx.rsList.find((r) => r.metadata?.uid === rs.metadata?.uid) ?? rs;
  return { newRS: newRS && latest(newRS), oldRSs: oldRSs.map(latest) };
}
