// Recreate (upstream recreate.go): scale every old ReplicaSet to 0, wait until none of their pods
// is left, then create (or scale up) the new ReplicaSet to full size.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { scaleReplicaSet, type SyncContext } from './context.ts';
import { syncRolloutStatus } from './progress.ts';
import { annotateReplicas, cleanupDeployment, getReplicaSets, refresh } from './sync.ts';
import { deploymentComplete, isActive, replicasOf, sumStatusReplicas } from './util.ts';

function oldPodsRunning(ctx: SyncContext, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): boolean {
  if (sumStatusReplicas(oldRSs) > 0) return true;
  for (const [uid, pods] of ctx.podsByRs) {
    if (uid === newRS?.metadata?.uid) continue;
    if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}

export async function rolloutRecreate(ctx: SyncContext): Promise<void> {
  let { newRS, oldRSs } = await getReplicaSets(ctx, false);
  const all = (): ReplicaSet[] => {
    const r = refresh(ctx, newRS, oldRSs);
    return [...r.oldRSs, ...(r.newRS ? [r.newRS] : [])];
  };
  let scaledDown = false;
  for (const rs of oldRSs.filter(isActive)) {
    await scaleReplicaSet(ctx, rs, 0, annotateReplicas(ctx));
    scaledDown = true;
  }
  if (scaledDown) return syncRolloutStatus(ctx, all(), refresh(ctx, newRS, []).newRS);
  if (oldPodsRunning(ctx, newRS, refresh(ctx, newRS, oldRSs).oldRSs)) return syncRolloutStatus(ctx, all(), newRS);
  if (!newRS) ({ newRS, oldRSs } = await getReplicaSets(ctx, true));
  if (newRS && replicasOf(newRS) !== replicasOf(ctx.d)) await scaleReplicaSet(ctx, newRS, replicasOf(ctx.d), annotateReplicas(ctx));
  if (deploymentComplete(ctx.d, ctx.d.status ?? {})) await cleanupDeployment(ctx, refresh(ctx, newRS, oldRSs).oldRSs);
  return syncRolloutStatus(ctx, all(), refresh(ctx, newRS, []).newRS);
}
