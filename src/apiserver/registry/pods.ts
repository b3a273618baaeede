// core/v1 Pod. Pieces live in pods/: defaults, validation, update rules, printer, grace period.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { view, writable } from './common.ts';
import { defaultPod } from './pods/pod-defaults.ts';
import { podGracePeriod } from './pods/pod-grace-period.ts';
import { podColumns, podRow } from './pods/pod-printer.ts';
import { podQOSClass } from './pods/pod-qos.ts';
import { podStatusPrepareForUpdate, validatePodStatusUpdate, validatePodUpdate } from './pods/pod-update-validation.ts';
import { validatePod } from './pods/pod-validation.ts';
import type { KObject, ResourceEntry } from './types.ts';

export { podStatusPrepareForUpdate, validatePodStatusUpdate } from './pods/pod-update-validation.ts';

/** Upstream sets this condition on create while a pod has scheduling gates. */
function schedulingGatedCondition(pod: Pod): void {
  if ((pod.spec?.schedulingGates ?? []).length === 0) return;
  const p = writable(pod);
  p.status ??= {};
  const conditions = p.status.conditions ?? [];
  if (conditions.some((c) => c.type === 'PodScheduled')) return;
  conditions.push({
    type: 'PodScheduled',
    status: 'False',
    reason: 'SchedulingGated',
    message: 'Scheduling is blocked due to non-empty scheduling gates',
  });
  writable(p.status).conditions = conditions;
}

const pod = (obj: KObject): Pod => view<Pod>(obj);

export const pods: ResourceEntry = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  listKind: 'PodList',
  resource: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  subresources: [
    { name: 'binding', kind: 'Binding', verbs: ['create'] },
    { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
    { name: 'ephemeralcontainers', verbs: ['get', 'patch', 'update'] },
    { name: 'log', verbs: ['get'] },
    { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  ],
  schema: 'io.k8s.api.core.v1.Pod',
  columns: podColumns,
  row: (obj, ctx) => podRow(pod(obj), ctx),
  fieldSelectors: {
    'spec.nodeName': (o) => pod(o).spec?.nodeName ?? '',
    'spec.restartPolicy': (o) => pod(o).spec?.restartPolicy ?? '',
    'spec.schedulerName': (o) => pod(o).spec?.schedulerName ?? '',
    'spec.serviceAccountName': (o) => pod(o).spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (o) => String(pod(o).spec?.hostNetwork === true),
    'status.phase': (o) => pod(o).status?.phase ?? '',
    // Upstream selects on the first of status.podIPs.
    'status.podIP': (o) => pod(o).status?.podIPs?.[0]?.ip ?? pod(o).status?.podIP ?? '',
    'status.nominatedNodeName': (o) => pod(o).status?.nominatedNodeName ?? '',
  },
  defaults: (obj) => defaultPod(pod(obj)),
  prepareForCreate(obj) {
    const p = writable(pod(obj));
    p.status = { phase: 'Pending', qosClass: podQOSClass(p) };
    schedulingGatedCondition(p);
  },
  prepareForUpdate(obj, old) {
    const status = pod(old).status;
    if (status === undefined) delete obj.status;
    else obj.status = structuredClone(status);
  },
  validate: (obj) => validatePod(pod(obj)),
  validateUpdate: (obj, old) => validatePodUpdate(pod(obj), pod(old)),
  hasStatus: true,
  prepareForStatusUpdate: podStatusPrepareForUpdate,
  validateStatusUpdate: (obj, old) => validatePodStatusUpdate(obj as Pod, old as Pod),
  gracePeriod: (obj, options) => podGracePeriod(pod(obj), options),
  returnDeletedObject: true,
};
