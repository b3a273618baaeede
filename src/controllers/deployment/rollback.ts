// Revisions, the controller's share of rollbacks. `kubectl rollout undo` itself copies an old
// ReplicaSet's template into the Deployment; the controller then finds that ReplicaSet as the new
// one and gives it the next revision number (max old revision + 1), recording the numbers it had
// in deployment.kubernetes.io/revision-history. `kubectl rollout history` reads these annotations.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import {
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  maxSurge,
  replicasOf,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  setReplicasAnnotations,
} from './util.ts';

/** Deployment annotations that are not copied to its ReplicaSets (upstream skipCopyAnnotation). */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

function copyAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const target = ((rs.metadata ??= {}).annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (NOT_COPIED.has(k) || target[k] === v) continue;
    target[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * Upstream SetNewReplicaSetAnnotations: copies the Deployment's annotations, raises the revision to
 * `newRevision` (remembering the old one in the history annotation) and, for a ReplicaSet being
 * created, sets desired/max replicas. Returns whether `rs` changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  let changed = copyAnnotations(d, rs);
  const a = ((rs.metadata ??= {}).annotations ??= {});
  const oldText = a[REVISION_ANNOTATION];
  const old = oldText === undefined ? 0 : Number.parseInt(oldText, 10);
  if (oldText !== undefined && Number.isNaN(old)) return changed;
  if (old < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldText !== undefined && oldText !== '') {
      const history = a[REVISION_HISTORY_ANNOTATION];
      a[REVISION_HISTORY_ANNOTATION] = history ? `${history},${oldText}` : oldText;
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

/** Copies the new ReplicaSet's revision onto the Deployment; returns whether it changed. */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const a = ((d.metadata ??= {}).annotations ??= {});
  if (a[REVISION_ANNOTATION] === revision) return false;
  a[REVISION_ANNOTATION] = revision;
  return true;
}
