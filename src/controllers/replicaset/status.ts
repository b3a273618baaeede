// ReplicaSet status (upstream replica_set_utils calculateStatus): counts of active pods, pods
// carrying all template labels, ready pods and pods available after minReadySeconds, the observed
// generation, and the ReplicaFailure condition set when creating or deleting pods failed.
import type { ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodAvailable, isPodReady } from '../pod-util.ts';
import type { ReplicatedObject } from './kind.ts';
import { rfc3339 } from '../../api/index.ts';

export function calculateStatus(rs: ReplicatedObject, pods: readonly Pod[], manageError: Error | undefined, nowMs: number): ReplicaSetStatus {
  const templateLabels = Object.entries(rs.spec?.template?.metadata?.labels ?? {});
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    const labels = p.metadata?.labels ?? {};
    if (templateLabels.every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, nowMs)) available++;
    }
  }
  let conditions: ReplicaSetCondition[] = [...(rs.status?.conditions ?? [])];
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageError && !failure) {
    const creating = pods.length < (rs.spec?.replicas ?? 1);
    conditions.push({
      type: 'ReplicaFailure',
      status: 'True',
      reason: creating ? 'FailedCreate' : 'FailedDelete',
      message: manageError.message,
      lastTransitionTime: rfc3339(nowMs),
    });
  } else if (!manageError && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata?.generation ?? 0,
    ...(conditions.length ? { conditions } : {}),
  };
}

/** Status fields compared as upstream does before writing (counts, generation, conditions). */
export function statusEqual(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  return (
    (a?.replicas ?? 0) === b.replicas &&
    (a?.fullyLabeledReplicas ?? 0) === (b.fullyLabeledReplicas ?? 0) &&
    (a?.readyReplicas ?? 0) === (b.readyReplicas ?? 0) &&
    (a?.availableReplicas ?? 0) === (b.availableReplicas ?? 0) &&
    (a?.observedGeneration ?? 0) === (b.observedGeneration ?? 0) &&
    JSON.stringify(a?.conditions ?? []) === JSON.stringify(b.conditions ?? [])
  );
}
