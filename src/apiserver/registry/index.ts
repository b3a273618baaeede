// Every built-in resource. Discovery, OpenAPI, the store and Table output are driven from this list.
import { configmaps } from './configmaps.ts';
import { deployments } from './deployments.ts';
import { replicasets } from './replicasets.ts';
import { statefulsets } from './statefulsets.ts';
import { daemonsets } from './daemonsets.ts';
import { controllerrevisions } from './controllerrevisions.ts';
import { jobs } from './jobs.ts';
import { cronjobs } from './cronjobs.ts';
import { events } from './events.ts';
import { leases } from './leases.ts';
import { namespaces } from './namespaces.ts';
import { nodes } from './nodes.ts';
import { pods } from './pods.ts';
import { poddisruptionbudgets } from './poddisruptionbudgets.ts';
import { priorityclasses } from './priorityclasses.ts';
import { secrets } from './secrets.ts';
import { serviceaccounts } from './serviceaccounts.ts';
import { customresourcedefinitions } from './customresourcedefinitions.ts';
import { replicationcontrollers } from './replicationcontrollers.ts';
import { podtemplates } from './podtemplates.ts';
import { resourcequotas } from './resourcequotas.ts';
import { limitranges } from './limitranges.ts';
import { rbacResources } from './rbac.ts';
import { persistentvolumes } from './storage/persistentvolumes.ts';
import { persistentvolumeclaims } from './storage/persistentvolumeclaims.ts';
import { storageclasses } from './storage/storageclasses.ts';
import { services } from './services.ts';
import { endpoints } from './endpoints.ts';
import { endpointslices } from './endpointslices.ts';
import type { ResourceEntry } from './types.ts';
import { horizontalpodautoscalersV1, horizontalpodautoscalersV2 } from './autoscaling/horizontalpodautoscalers.ts';

export const builtinResources: ResourceEntry[] = [
  pods,
  namespaces,
  nodes,
  events,
  configmaps,
  secrets,
  serviceaccounts,
  leases,
  priorityclasses,
  replicasets,
  deployments,
  statefulsets,
  daemonsets,
  controllerrevisions,
  jobs,
  cronjobs,
  poddisruptionbudgets,
  customresourcedefinitions,
  replicationcontrollers,
  podtemplates,
  resourcequotas,
  limitranges,
  ...rbacResources,
  persistentvolumes,
  persistentvolumeclaims,
  storageclasses,
  services,
  endpoints,
  endpointslices,
  horizontalpodautoscalersV2,
  horizontalpodautoscalersV1,
];

export { configmaps, events, leases, namespaces, nodes, pods, secrets, serviceaccounts };
export { podStatusPrepareForUpdate, validatePodStatusUpdate } from './pods.ts';
export { humanDuration, since } from './age.ts';
export type * from './types.ts';
