// ResourceRefs for the collections Peapod's components use. Anything else: build a ResourceRef
// literal; the client needs nothing beyond these four fields.

import type { ResourceRef } from './types.ts';

const ref = (group: string, version: string, resource: string, namespaced: boolean): ResourceRef => Object.freeze({ group, version, resource, namespaced });

export const resources = {
  pods: ref('', 'v1', 'pods', true),
  nodes: ref('', 'v1', 'nodes', false),
  namespaces: ref('', 'v1', 'namespaces', false),
  events: ref('', 'v1', 'events', true),
  configmaps: ref('', 'v1', 'configmaps', true),
  secrets: ref('', 'v1', 'secrets', true),
  services: ref('', 'v1', 'services', true),
  endpoints: ref('', 'v1', 'endpoints', true),
  serviceaccounts: ref('', 'v1', 'serviceaccounts', true),
  persistentvolumeclaims: ref('', 'v1', 'persistentvolumeclaims', true),
  persistentvolumes: ref('', 'v1', 'persistentvolumes', false),
  replicationcontrollers: ref('', 'v1', 'replicationcontrollers', true),
  resourcequotas: ref('', 'v1', 'resourcequotas', true),
  limitranges: ref('', 'v1', 'limitranges', true),
  leases: ref('coordination.k8s.io', 'v1', 'leases', true),
  replicasets: ref('apps', 'v1', 'replicasets', true),
  deployments: ref('apps', 'v1', 'deployments', true),
  statefulsets: ref('apps', 'v1', 'statefulsets', true),
  daemonsets: ref('apps', 'v1', 'daemonsets', true),
  controllerrevisions: ref('apps', 'v1', 'controllerrevisions', true),
  jobs: ref('batch', 'v1', 'jobs', true),
  cronjobs: ref('batch', 'v1', 'cronjobs', true),
  poddisruptionbudgets: ref('policy', 'v1', 'poddisruptionbudgets', true),
  endpointslices: ref('discovery.k8s.io', 'v1', 'endpointslices', true),
  eventsV1: ref('events.k8s.io', 'v1', 'events', true),
  priorityclasses: ref('scheduling.k8s.io', 'v1', 'priorityclasses', false),
  storageclasses: ref('storage.k8s.io', 'v1', 'storageclasses', false),
  runtimeclasses: ref('node.k8s.io', 'v1', 'runtimeclasses', false),
  clusterroles: ref('rbac.authorization.k8s.io', 'v1', 'clusterroles', false),
} as const satisfies Record<string, ResourceRef>;

/** `v1` or `apps/v1`: the apiVersion objects of this ref carry. */
export function apiVersionOf(r: ResourceRef): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** Collection path: `/api/v1/namespaces/ns/pods`, `/apis/apps/v1/deployments` (all namespaces). */
export function collectionPath(r: ResourceRef, namespace?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.resource}`;
}

/** Object path, with an optional subresource: `/api/v1/namespaces/ns/pods/x/binding`. */
export function objectPath(r: ResourceRef, namespace: string | undefined, name: string, subresource?: string): string {
  if (!name) throw new Error(`${r.resource}: a resource name is required`);
  if (r.namespaced && !namespace) throw new Error(`${r.resource} "${name}": a namespace is required`);
  const sub = subresource ? `/${subresource}` : '';
  return `${collectionPath(r, namespace)}/${encodeURIComponent(name)}${sub}`;
}
