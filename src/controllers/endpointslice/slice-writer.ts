// Applies a SlicePlan for one owner (a Service, or mirrored Endpoints): creates, updates (also
// slices whose only change is their labels) and deletes, recording each write in the tracker so
// the next sync waits for the cache. Shared by the EndpointSlice and mirroring controllers.
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { ignoreNotFound, isConflict, isNotFound, resources, type Client } from '../../client/index.ts';
import { canonical } from '../../util/index.ts';
import type { SlicePlan } from './slice-plan.ts';
import type { SliceTracker } from './slice-tracker.ts';

export interface SliceTarget {
  readonly key: string;
  readonly namespace: string | undefined;
  readonly generateName: string;
  readonly labels: Record<string, string>;
  readonly owner: OwnerReference;
}

export async function deleteSlice(client: Client, tracker: SliceTracker, key: string, s: EndpointSlice, signal: AbortSignal): Promise<void> {
  const name = s.metadata?.name ?? '';
  await client.delete(resources.endpointslices, s.metadata?.namespace, name, { preconditions: { uid: s.metadata?.uid } }, { signal }).catch(ignoreNotFound);
  tracker.deleted(key, name);
}

/** Returns a requeue delay when a write lost a race (the cache was behind), else undefined. */
export async function applySlicePlan(
  client: Client,
  plan: SlicePlan,
  opts: { target: SliceTarget; existing: readonly EndpointSlice[]; tracker: SliceTracker; signal: AbortSignal },
): Promise<{ requeueAfterMs: number } | undefined> {
  const { target, tracker, signal } = opts;
  const { key, namespace, labels } = target;
  const updates = new Map(plan.update.map((s) => [s.metadata?.name ?? '', s]));
  for (const s of opts.existing) {
    if (plan.delete.includes(s) || updates.has(s.metadata?.name ?? '')) continue;
    if (canonical(s.metadata?.labels) !== canonical(labels)) updates.set(s.metadata?.name ?? '', s);
  }
  try {
    for (const c of plan.create) {
      const created = await client.create<EndpointSlice>(
        resources.endpointslices,
        namespace,
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { generateName: target.generateName, namespace, labels, ownerReferences: [target.owner] },
          addressType: 'IPv4',
          endpoints: c.endpoints,
          ports: c.ports,
        },
        { signal },
      );
      tracker.wrote(key, created);
    }
    for (const s of updates.values()) {
      const updated = await client.update<EndpointSlice>(resources.endpointslices, namespace, { ...s, metadata: { ...s.metadata, labels } }, { signal });
      tracker.wrote(key, updated);
    }
    for (const s of plan.delete) await deleteSlice(client, tracker, key, s, signal);
  } catch (e) {
    if (isConflict(e) || isNotFound(e)) return { requeueAfterMs: 50 };
    throw e;
  }
  return undefined;
}
