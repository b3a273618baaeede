// One sync of one Deployment: the working copy of the Deployment (replaced by every write's reply),
// the ReplicaSets it controls and their pods, and the writes a sync makes. Never shared between
// syncs; the workqueue guarantees one sync per Deployment at a time.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Client, Clock, EventRecorder } from '../../client/index.ts';
import { resources } from '../../client/index.ts';

export interface SyncContext {
  readonly client: Client;
  readonly clock: Clock;
  readonly recorder: EventRecorder;
  readonly signal: AbortSignal;
  d: Deployment;
  /** ReplicaSets controlled by `d`; writes replace their entry. */
  rsList: ReplicaSet[];
  /** Active pods by controlling ReplicaSet uid (Recreate waits for old pods to go). */
  readonly podsByRs: ReadonlyMap<string, readonly Pod[]>;
  /** Set when the sync wants to look again later (progress deadline). */
  requeueAfterMs?: number;
}

export const DEPLOYMENT_GVK = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;

function replaceRs(ctx: SyncContext, rs: ReplicaSet): void {
  const i = ctx.rsList.findIndex((r) => r.metadata?.uid === rs.metadata?.uid);
  if (i >= 0) ctx.rsList[i] = rs;
  else ctx.rsList.push(rs);
}

export async function updateReplicaSet(ctx: SyncContext, rs: ReplicaSet): Promise<ReplicaSet> {
  const out = await ctx.client.update<ReplicaSet>(resources.replicasets, rs.metadata?.namespace, rs, { signal: ctx.signal });
  replaceRs(ctx, out);
  return out;
}

export async function createReplicaSet(ctx: SyncContext, rs: ReplicaSet): Promise<ReplicaSet> {
  const out = await ctx.client.create<ReplicaSet>(resources.replicasets, rs.metadata?.namespace, rs, { signal: ctx.signal });
  replaceRs(ctx, out);
  return out;
}

/** PUT deployments/x/status with the working copy (annotations travel too, as upstream allows). */
export async function updateDeploymentStatus(ctx: SyncContext): Promise<void> {
  ctx.d = await ctx.client.update<Deployment>(resources.deployments, ctx.d.metadata?.namespace, ctx.d, { subresource: 'status', signal: ctx.signal });
}

/** Scales `rs` to `replicas` (and refreshes the desired/max annotations); returns the new object. */
export async function scaleReplicaSet(ctx: SyncContext, rs: ReplicaSet, replicas: number, annotate: (rs: ReplicaSet) => boolean): Promise<ReplicaSet> {
  const copy = structuredClone(rs);
  const sizeChanged = (copy.spec?.replicas ?? 0) !== replicas;
  const annotationsChanged = annotate(copy);
  if (!sizeChanged && !annotationsChanged) return rs;
  (copy.spec ??= { selector: {} }).replicas = replicas;
  const out = await updateReplicaSet(ctx, copy);
  if (sizeChanged) {
    const verb = replicas > (rs.spec?.replicas ?? 0) ? 'up' : 'down';
    ctx.recorder.event(ctx.d, {
      ...DEPLOYMENT_GVK,
      type: 'Normal',
      reason: 'ScalingReplicaSet',
      message: `Scaled ${verb} replica set ${rs.metadata?.name} from ${rs.spec?.replicas ?? 0} to ${replicas}`,
    });
  }
  return out;
}
