// RollingUpdate (upstream rolling.go): grow the new ReplicaSet while all ReplicaSets together stay
// within replicas + maxSurge, and shrink old ones while available pods stay at or above
// replicas − maxUnavailable — first old pods that are not available anyway, then available ones.
// Each step writes and returns; the next sync (triggered by the status change) takes the next.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { scaleReplicaSet, type SyncContext } from './context.ts';
import { syncRolloutStatus } from './progress.ts';
import { annotateReplicas, cleanupDeployment, getReplicaSets, newRSNewReplicas, refresh } from './sync.ts';
import { byCreation, deploymentComplete, isActive, maxUnavailable, replicasOf, sumSpecReplicas } from './util.ts';

/**
 * Available pods of a ReplicaSet for scale-down decisions: status.availableReplicas, but never more
 * than spec.replicas. Right after a scale-down the status still counts the pods being deleted;
 * upstream trusts it and can briefly dip below replicas − maxUnavailable, we do not.
 */
const availableOf = (rs: ReplicaSet): number => Math.min(rs.status?.availableReplicas ?? 0, replicasOf(rs));
const sumAvailableOf = (rss: readonly ReplicaSet[]): number => rss.reduce((n, rs) => n + availableOf(rs), 0);

async function reconcileNewReplicaSet(ctx: SyncContext, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const want = replicasOf(ctx.d);
  if (replicasOf(newRS) === want) return false;
  const target = replicasOf(newRS) > want ? want : newRSNewReplicas(ctx, allRSs, newRS);
  if (target === replicasOf(newRS)) return false;
  await scaleReplicaSet(ctx, newRS, target, annotateReplicas(ctx));
  return true;
}

/** Scales down old ReplicaSets' unavailable pods, at most `max`; returns the old RSs after it and the count. */
async function cleanupUnhealthyReplicas(ctx: SyncContext, oldRSs: ReplicaSet[], max: number): Promise<[ReplicaSet[], number]> {
  const sorted = [...oldRSs].sort(byCreation);
  let total = 0;
  const out: ReplicaSet[] = [];
  for (const rs of sorted) {
    const spec = replicasOf(rs);
    const available = availableOf(rs);
    if (total >= max || spec === 0 || spec === available) {
      out.push(rs);
      continue;
    }
    const n = Math.min(max - total, spec - available);
    out.push(await scaleReplicaSet(ctx, rs, spec - n, annotateReplicas(ctx)));
    total += n;
  }
  return [out, total];
}

async function scaleDownOldForRollingUpdate(ctx: SyncContext, allRSs: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[]): Promise<number> {
  const minAvailable = replicasOf(ctx.d) - maxUnavailable(ctx.d);
  const available = sumAvailableOf(allRSs);
  if (available <= minAvailable) return 0;
  const toScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= toScaleDown) break;
    if (replicasOf(rs) === 0) continue;
    const n = Math.min(replicasOf(rs), toScaleDown - total);
    await scaleReplicaSet(ctx, rs, replicasOf(rs) - n, annotateReplicas(ctx));
    total += n;
  }
  return total;
}

async function reconcileOldReplicaSets(ctx: SyncContext, allRSs: readonly ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  if (sumSpecReplicas(oldRSs) === 0) return false;
  const minAvailable = replicasOf(ctx.d) - maxUnavailable(ctx.d);
  const newUnavailable = replicasOf(newRS) - availableOf(newRS);
  const maxScaledDown = sumSpecReplicas(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const [cleaned, cleanedCount] = await cleanupUnhealthyReplicas(ctx, oldRSs, maxScaledDown);
  const scaledDown = await scaleDownOldForRollingUpdate(ctx, [...cleaned, newRS], cleaned);
  return cleanedCount + scaledDown > 0;
}

export async function rolloutRolling(ctx: SyncContext): Promise<void> {
  const first = await getReplicaSets(ctx, true);
  const newRS = first.newRS!;
  const all = (): ReplicaSet[] => {
    const r = refresh(ctx, newRS, first.oldRSs);
    return [...r.oldRSs, r.newRS!];
  };
  if (await reconcileNewReplicaSet(ctx, all(), newRS)) return syncRolloutStatus(ctx, all(), refresh(ctx, newRS, []).newRS);
  const { oldRSs, newRS: latestNew } = refresh(ctx, newRS, first.oldRSs);
  if (await reconcileOldReplicaSets(ctx, all(), oldRSs.filter(isActive), latestNew!)) {
    return syncRolloutStatus(ctx, all(), refresh(ctx, newRS, []).newRS);
  }
  if (deploymentComplete(ctx.d, ctx.d.status ?? {})) await cleanupDeployment(ctx, refresh(ctx, newRS, first.oldRSs).oldRSs);
  return syncRolloutStatus(ctx, all(), refresh(ctx, newRS, []).newRS);
}
