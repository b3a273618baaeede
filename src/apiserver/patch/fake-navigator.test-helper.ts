// A small SchemaNavigator over hand-written facts (notes/openapi-schemas.md), for the patch tests.
import type { FieldInfo, SchemaNavigator } from '../openapi/navigator.ts';

const core = 'io.k8s.api.core.v1.';
const apps = 'io.k8s.api.apps.v1.';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

const obj = (schema: string): FieldInfo => ({ shape: 'object', schema });
const map: FieldInfo = { shape: 'map' };
const mergeList = (schema: string | undefined, key: string, mapKeys?: string[]): FieldInfo => ({
  shape: 'array',
  ...(schema ? { schema } : {}),
  patchStrategy: 'merge',
  patchMergeKey: key,
  listType: 'map',
  listMapKeys: mapKeys ?? [key],
});
const atomic = (schema?: string): FieldInfo => ({ shape: 'array', ...(schema ? { schema } : {}), listType: 'atomic' });
const scalar: FieldInfo = { shape: 'scalar' };

const SCHEMAS: Record<string, Record<string, FieldInfo>> = {
  [core + 'Pod']: { apiVersion: scalar, kind: scalar, metadata: obj(meta + 'ObjectMeta'), spec: obj(core + 'PodSpec'), status: obj(core + 'PodStatus') },
  [meta + 'ObjectMeta']: {
    name: scalar,
    namespace: scalar,
    labels: map,
    annotations: map,
    finalizers: { shape: 'array', patchStrategy: 'merge', listType: 'set' },
    ownerReferences: mergeList(meta + 'OwnerReference', 'uid'),
    managedFields: atomic(meta + 'ManagedFieldsEntry'),
  },
  [core + 'PodSpec']: {
    containers: mergeList(core + 'Container', 'name'),
    initContainers: mergeList(core + 'Container', 'name'),
    volumes: { ...mergeList(core + 'Volume', 'name'), patchStrategy: 'merge,retainKeys' },
    tolerations: atomic(core + 'Toleration'),
    nodeSelector: { ...map, mapType: 'atomic' },
    restartPolicy: scalar,
    nodeName: scalar,
  },
  [core + 'Container']: {
    name: scalar,
    image: scalar,
    command: atomic(),
    args: atomic(),
    ports: mergeList(core + 'ContainerPort', 'containerPort', ['containerPort', 'protocol']),
    env: mergeList(core + 'EnvVar', 'name'),
    volumeMounts: mergeList(core + 'VolumeMount', 'mountPath'),
    resources: obj(core + 'ResourceRequirements'),
  },
  [core + 'ResourceRequirements']: { limits: map, requests: map },
  [core + 'ContainerPort']: { containerPort: scalar, protocol: scalar, name: scalar },
  [core + 'EnvVar']: { name: scalar, value: scalar },
  [core + 'Volume']: { name: scalar, emptyDir: obj(core + 'EmptyDirVolumeSource'), configMap: obj(core + 'ConfigMapVolumeSource') },
  [core + 'EmptyDirVolumeSource']: { medium: scalar },
  [core + 'ConfigMapVolumeSource']: { name: scalar },
  [core + 'Toleration']: { key: scalar, operator: scalar, effect: scalar },
  [core + 'PodStatus']: {
    phase: scalar,
    conditions: mergeList(core + 'PodCondition', 'type'),
    podIPs: mergeList(core + 'PodIP', 'ip'),
    hostIPs: { ...mergeList(core + 'HostIP', 'ip'), listType: 'atomic' },
  },
  [core + 'PodCondition']: { type: scalar, status: scalar },
  [apps + 'Deployment']: { apiVersion: scalar, kind: scalar, metadata: obj(meta + 'ObjectMeta'), spec: obj(apps + 'DeploymentSpec') },
  [apps + 'DeploymentSpec']: {
    replicas: scalar,
    selector: { ...obj(meta + 'LabelSelector'), mapType: 'atomic' },
    template: obj(core + 'PodTemplateSpec'),
    strategy: { ...obj(apps + 'DeploymentStrategy'), patchStrategy: 'retainKeys' },
  },
  [apps + 'DeploymentStrategy']: { type: scalar, rollingUpdate: obj(apps + 'RollingUpdateDeployment') },
  [apps + 'RollingUpdateDeployment']: { maxSurge: scalar, maxUnavailable: scalar },
  [core + 'PodTemplateSpec']: { metadata: obj(meta + 'ObjectMeta'), spec: obj(core + 'PodSpec') },
};

export const fakeNavigator: SchemaNavigator = {
  field(schema, field) {
    return SCHEMAS[schema]?.[field];
  },
  has(schema) {
    return schema in SCHEMAS;
  },
};

export const POD = core + 'Pod';
export const DEPLOYMENT = apps + 'Deployment';
