// The scheduler's I/O against the API server: binding through pods/binding, Events through the
// client's EventRecorder, the PodScheduled condition through pods/status, victim deletion.
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { isNotFound, resources, type Client, type EventRecorder } from '../client/index.ts';
import type { PodScheduledCondition, SchedulerHost } from './scheduler.ts';
import { rfc3339 } from '../api/index.ts';
import { SHARED_SHAPE } from '../util/index.ts';

export interface ApiHostOptions {
  readonly recorder: EventRecorder;
  /** The newest known version of a pod (the informer's), to skip writes that change nothing. */
  readonly latest?: (pod: Pod) => Pod | undefined;
  /** Current time for condition timestamps (default Date.now). */
  readonly now?: () => number;
}

const ns = (p: Pod): string => p.metadata?.namespace ?? 'default';

/** Whether writing `cond` (and `nominated`) would change nothing the pod already says. */
function unchanged(pod: Pod, cond: PodScheduledCondition, nominated: string | undefined): boolean {
  const old = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
  const sameCondition = !!old && old.status === cond.status && old.reason === cond.reason && old.message === cond.message;
  return sameCondition && (nominated === undefined || (pod.status?.nominatedNodeName ?? '') === nominated);
}

export function createApiHost(client: Client, opts: ApiHostOptions): SchedulerHost {
  const now = opts.now ?? Date.now;
  return {
    async bind(pod, nodeName) {
      const name = pod.metadata?.name ?? '';
      await client.post(resources.pods, ns(pod), name, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace: ns(pod), uid: pod.metadata?.uid },
        target: { kind: 'Node', name: nodeName },
      });
    },
    recordEvent(pod, type, reason, message) {
      opts.recorder.event(pod, { type, reason, message, kind: 'Pod', apiVersion: 'v1' });
    },
    async updatePodCondition(queued, cond, nominated) {
      const pod = opts.latest?.(queued) ?? queued;
      // As upstream: a retry that would write the same condition writes nothing, so an
      // unschedulable pod does not churn resourceVersions while it waits.
      if (unchanged(pod, cond, nominated)) return;
      const old = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
      const condition: PodCondition = {
        ...cond,
        lastProbeTime: undefined,
        lastTransitionTime: old && old.status === cond.status ? old.lastTransitionTime : rfc3339(now()),
      };
      const status: Record<string, unknown> = { conditions: [{ ...SHARED_SHAPE, ...condition, lastProbeTime: null }] };
      // An empty nomination clears an old one; never write an empty one otherwise.
      if (nominated !== undefined && (nominated || pod.status?.nominatedNodeName)) status.nominatedNodeName = nominated || null;
      try {
        await client.patch(resources.pods, ns(pod), pod.metadata?.name ?? '', { status }, { type: 'strategic', subresource: 'status' });
      } catch (e) {
        if (!isNotFound(e)) throw e; // deleted meanwhile: nothing to report on
      }
    },
    async deletePod(pod, graceSeconds) {
      try {
        await client.delete(resources.pods, ns(pod), pod.metadata?.name ?? '', {
          gracePeriodSeconds: graceSeconds,
          preconditions: pod.metadata?.uid ? { uid: pod.metadata.uid } : undefined,
        });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  };
}
