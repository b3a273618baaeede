// The HPA's view of its target through the /scale subresource (any kind that has one): the
// resource path from scaleTargetRef, and Scale reads/writes.
import type { Scale } from 'kubernetes-types/autoscaling/v1.js';
import type { CrossVersionObjectReference } from 'kubernetes-types/autoscaling/v2.js';
import { objectPath, type Client, type ResourceRef } from '../../client/index.ts';

const KNOWN: Record<string, string> = {
  Deployment: 'deployments',
  ReplicaSet: 'replicasets',
  StatefulSet: 'statefulsets',
  ReplicationController: 'replicationcontrollers',
};

/** The collection of the target: known kinds by name, others by the lower-case plural convention. */
export function targetResource(ref: CrossVersionObjectReference): ResourceRef {
  const [group, version] = ref.apiVersion?.includes('/') ? (ref.apiVersion.split('/') as [string, string]) : ['', ref.apiVersion || 'v1'];
  const resource = KNOWN[ref.kind] ?? `${ref.kind.toLowerCase()}s`;
  return { group, version, resource, namespaced: true };
}

export async function getScale(client: Client, ns: string, ref: CrossVersionObjectReference, signal: AbortSignal): Promise<Scale> {
  return client.raw<Scale>('GET', objectPath(targetResource(ref), ns, ref.name, 'scale'), undefined, { signal });
}

export async function updateScale(
  client: Client,
  ns: string,
  ref: CrossVersionObjectReference,
  scale: Scale,
  replicas: number,
  signal: AbortSignal,
): Promise<Scale> {
  const next = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: scale.metadata, spec: { replicas } };
  return client.update<Scale & { metadata: NonNullable<Scale['metadata']> }>(
    targetResource(ref),
    ns,
    next as Scale & { metadata: NonNullable<Scale['metadata']> },
    { subresource: 'scale', signal },
  );
}
