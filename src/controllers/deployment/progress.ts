// Deployment status and conditions (upstream progress.go + sync.go calculateStatus):
//  - Available: True (MinimumReplicasAvailable) while available ≥ replicas − maxUnavailable;
//  - Progressing: NewReplicaSetCreated / FoundNewReplicaSet / ReplicaSetUpdated while the rollout
//    moves, NewReplicaSetAvailable once complete, ProgressDeadlineExceeded (False) when it has not
//    moved for progressDeadlineSeconds; DeploymentPaused / DeploymentResumed (Unknown).
// A stuck rollout is requeued for the moment its deadline passes.
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { updateDeploymentStatus, type SyncContext } from './context.ts';
import { deploymentComplete, maxUnavailable, replicasOf, sumAvailable, sumReady, sumStatusReplicas } from './util.ts';
import { rfc3339 } from '../../api/index.ts';

export const PROGRESSING = 'Progressing';
export const AVAILABLE = 'Available';
export const REPLICA_FAILURE = 'ReplicaFailure';
export const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';
export const NEW_RS_AVAILABLE_REASON = 'NewReplicaSetAvailable';
export const PAUSED_REASON = 'DeploymentPaused';
export const RESUMED_REASON = 'DeploymentResumed';

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return (status?.conditions ?? []).find((c) => c.type === type);
}

export function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, nowMs: number): DeploymentCondition {
  const t = rfc3339(nowMs);
  return { type, status, reason, message, lastUpdateTime: t, lastTransitionTime: t };
}

/** Upstream SetDeploymentCondition: same status and reason → nothing; same status → keep transition time. */
export function setCondition(status: DeploymentStatus, c: DeploymentCondition): void {
  const current = getCondition(status, c.type);
  if (current && current.status === c.status && current.reason === c.reason) return;
  const next = current && current.status === c.status ? { ...c, lastTransitionTime: current.lastTransitionTime } : c;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

export const hasProgressDeadline = (d: Deployment): boolean => d.spec?.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== 2147483647;

export function calculateStatus(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined, nowMs: number): DeploymentStatus {
  const available = sumAvailable(allRSs);
  const total = sumStatusReplicas(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: total,
    updatedReplicas: sumStatusReplicas([newRS]),
    readyReplicas: sumReady(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
    ...(d.status?.conditions ? { conditions: structuredClone(d.status.conditions) } : {}),
  };
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', nowMs));
  } else {
    setCondition(status, newCondition(AVAILABLE, 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', nowMs));
  }
  return status;
}

function progressing(old: DeploymentStatus | undefined, s: DeploymentStatus): boolean {
  const o = old ?? {};
  return (
    (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) ||
    (s.replicas ?? 0) - (s.updatedReplicas ?? 0) < (o.replicas ?? 0) - (o.updatedReplicas ?? 0) ||
    (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0)
  );
}

function timedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  const c = getCondition(s, PROGRESSING);
  if (!c || !hasProgressDeadline(d)) return false;
  if (c.reason === TIMED_OUT_REASON) return true;
  const from = Date.parse(c.lastUpdateTime ?? '');
  return !Number.isNaN(from) && from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < nowMs;
}

const statusKey = (s: DeploymentStatus | undefined): string => JSON.stringify(s ?? {});

/** Writes the status when it changed (scaling / paused syncs). */
export async function syncDeploymentStatus(ctx: SyncContext, allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
  const status = calculateStatus(ctx.d, allRSs, newRS, ctx.clock.now());
  if (statusKey(ctx.d.status) === statusKey(status)) return;
  ctx.d.status = status;
  await updateDeploymentStatus(ctx);
}

/** Status plus the Progressing condition, for syncs that roll out (upstream syncRolloutStatus). */
export async function syncRolloutStatus(ctx: SyncContext, allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
  const d = ctx.d;
  const now = ctx.clock.now();
  const status = calculateStatus(d, allRSs, newRS, now);
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  const complete = status.replicas === status.updatedReplicas && current?.reason === NEW_RS_AVAILABLE_REASON;
  if (hasProgressDeadline(d) && !complete) {
    const name = newRS?.metadata?.name ?? '';
    if (deploymentComplete(d, status)) {
      setCondition(status, newCondition(PROGRESSING, 'True', NEW_RS_AVAILABLE_REASON, `ReplicaSet "${name}" has successfully progressed.`, now));
    } else if (progressing(d.status, status)) {
      const c = newCondition(PROGRESSING, 'True', 'ReplicaSetUpdated', `ReplicaSet "${name}" is progressing.`, now);
      // Progress refreshes lastUpdateTime (the deadline's start) even when the reason is the same.
      if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, PROGRESSING);
      setCondition(status, c);
    } else if (timedOut(d, status, now)) {
      setCondition(status, newCondition(PROGRESSING, 'False', TIMED_OUT_REASON, `ReplicaSet "${name}" has timed out progressing.`, now));
    }
  }
  const failure = allRSs.flatMap((rs) => rs.status?.conditions ?? []).find((c) => c.type === REPLICA_FAILURE);
  if (failure) {
    setCondition(status, {
      type: REPLICA_FAILURE,
      status: failure.status,
      reason: failure.reason,
      message: failure.message,
      lastUpdateTime: rfc3339(now),
      lastTransitionTime: failure.lastTransitionTime,
    });
  } else {
    removeCondition(status, REPLICA_FAILURE);
  }
  if (statusKey(d.status) === statusKey(status)) {
    requeueStuck(ctx, status, now);
    return;
  }
  ctx.d.status = status;
  await updateDeploymentStatus(ctx);
}

/** Upstream requeueStuckDeployment: look again when the progress deadline would pass. */
function requeueStuck(ctx: SyncContext, status: DeploymentStatus, now: number): void {
  const d = ctx.d;
  const c = getCondition(status, PROGRESSING);
  if (!c || !hasProgressDeadline(d) || c.reason === NEW_RS_AVAILABLE_REASON || c.reason === TIMED_OUT_REASON) return;
  if (deploymentComplete(d, status)) return;
  const from = Date.parse(c.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return;
  const after = from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now;
  ctx.requeueAfterMs = after < 1000 ? 0 : after + 1000;
}

/** Paused/resumed Progressing condition (upstream checkPausedConditions). */
export async function checkPausedConditions(ctx: SyncContext): Promise<void> {
  const d = ctx.d;
  if (!hasProgressDeadline(d)) return;
  const c = getCondition(d.status, PROGRESSING);
  if (c?.reason === TIMED_OUT_REASON) return;
  const pausedExists = c?.reason === PAUSED_REASON;
  const status = structuredClone(d.status ?? {});
  const now = ctx.clock.now();
  if (d.spec?.paused && !pausedExists) {
    setCondition(status, newCondition(PROGRESSING, 'Unknown', PAUSED_REASON, 'Deployment is paused', now));
  } else if (!d.spec?.paused && pausedExists) {
    setCondition(status, newCondition(PROGRESSING, 'Unknown', RESUMED_REASON, 'Deployment is resumed', now));
  } else {
    return;
  }
  ctx.d.status = status;
  await updateDeploymentStatus(ctx);
}
