// Patch metadata the .d.ts source cannot carry: the struct-tag facts of k8s.io/api v0.32
// (patchStrategy / patchMergeKey / listType / listMapKey). scripts/gen-openapi.ts merges them into
// generated/openapi-schemas.json. They are served to kubectl too (its client-side apply reads merge
// keys from our /openapi/v3 documents), so a wrong entry changes what `kubectl apply` sends.
// Source of the facts: shared/notes/openapi-schemas.md ("Hand-kept table").

export interface PatchFact {
  schemas: readonly string[];
  fields: readonly string[];
  strategy?: 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';
  mergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  /** Defaults to [mergeKey] when listType is 'map'. */
  listMapKeys?: readonly string[];
}

const CORE = 'io.k8s.api.core.v1.';
const APPS = 'io.k8s.api.apps.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const CONTAINERS = [`${CORE}Container`, `${CORE}EphemeralContainer`];
const merge = (mergeKey: string, extra: Partial<PatchFact> = {}) => ({ strategy: 'merge', mergeKey, listType: 'map', ...extra }) as const;
const atomic = { listType: 'atomic' } as const;
const RETAIN = { strategy: 'merge,retainKeys' } as const;

export const PATCH_FACTS: readonly PatchFact[] = [
  { schemas: [`${META}ObjectMeta`], fields: ['ownerReferences'], ...merge('uid') },
  { schemas: [`${META}ObjectMeta`], fields: ['finalizers'], strategy: 'merge', listType: 'set' },
  { schemas: [`${META}ObjectMeta`], fields: ['managedFields'], ...atomic },

  {
    schemas: [`${CORE}PodSpec`],
    fields: ['containers', 'initContainers', 'ephemeralContainers', 'imagePullSecrets', 'schedulingGates'],
    ...merge('name'),
  },
  { schemas: [`${CORE}PodSpec`], fields: ['volumes', 'resourceClaims'], ...merge('name', RETAIN) },
  { schemas: [`${CORE}PodSpec`], fields: ['hostAliases'], ...merge('ip') },
  {
    schemas: [`${CORE}PodSpec`],
    fields: ['topologySpreadConstraints'],
    ...merge('topologyKey', { listMapKeys: ['topologyKey', 'whenUnsatisfiable'] }),
  },
  { schemas: [`${CORE}PodSpec`], fields: ['tolerations', 'readinessGates'], ...atomic },

  { schemas: CONTAINERS, fields: ['ports'], ...merge('containerPort', { listMapKeys: ['containerPort', 'protocol'] }) },
  { schemas: CONTAINERS, fields: ['env'], ...merge('name') },
  { schemas: CONTAINERS, fields: ['volumeMounts'], ...merge('mountPath') },
  { schemas: CONTAINERS, fields: ['volumeDevices'], ...merge('devicePath') },
  { schemas: CONTAINERS, fields: ['command', 'args', 'envFrom', 'resizePolicy'], ...atomic },

  { schemas: [`${CORE}PodStatus`], fields: ['conditions'], ...merge('type') },
  { schemas: [`${CORE}PodStatus`], fields: ['podIPs'], ...merge('ip') },
  { schemas: [`${CORE}PodStatus`], fields: ['hostIPs'], strategy: 'merge', mergeKey: 'ip', listType: 'atomic' },
  { schemas: [`${CORE}PodStatus`], fields: ['resourceClaimStatuses'], ...merge('name', RETAIN) },
  {
    schemas: [`${CORE}PodStatus`],
    fields: ['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses'],
    ...atomic,
  },
  { schemas: [`${CORE}ContainerStatus`], fields: ['volumeMounts'], ...merge('mountPath') },
  { schemas: [`${CORE}ContainerStatus`], fields: ['allocatedResourcesStatus'], ...merge('name') },

  { schemas: [`${APPS}DeploymentSpec`], fields: ['strategy'], strategy: 'retainKeys' },
  {
    schemas: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].map((k) => `${APPS}${k}Status`),
    fields: ['conditions'],
    ...merge('type'),
  },
  { schemas: [`${APPS}StatefulSetSpec`], fields: ['volumeClaimTemplates'], ...atomic },
  {
    schemas: ['io.k8s.api.batch.v1.JobStatus'],
    fields: ['conditions'],
    strategy: 'merge',
    mergeKey: 'type',
    listType: 'atomic',
  },
];

/**
 * Property replacements applied before the facts. kubernetes-models inlines the PVC object in
 * volumeClaimTemplates, which `kubectl explain` would show as `[]Object`.
 */
export const SCHEMA_OVERRIDES: Readonly<Record<string, Record<string, Record<string, unknown>>>> = {
  [`${APPS}StatefulSetSpec`]: {
    volumeClaimTemplates: { items: { $ref: `#/components/schemas/${CORE}PersistentVolumeClaim` } },
  },
};
