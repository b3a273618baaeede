// Behaviour of the non-pod entries, and invariants every entry keeps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinResources, configmaps, events, leases, namespaces, nodes, secrets, serviceaccounts } from './index.ts';
import type { KObject, ResourceEntry } from './types.ts';

const ctx = { now: () => new Date('2024-01-01T00:10:00Z') };
const created = '2024-01-01T00:00:00Z';

function create(entry: ResourceEntry, obj: Record<string, unknown>): { obj: KObject; errors: string[] } {
  const o = structuredClone(obj) as KObject;
  entry.defaults?.(o);
  entry.prepareForCreate?.(o, ctx);
  return { obj: o, errors: (entry.validate?.(o) ?? []).map(String) };
}

test('every entry: one cell per column, names and short names as upstream', () => {
  for (const e of builtinResources) {
    const row = e.row({ metadata: { name: 'x', namespace: 'd', creationTimestamp: created } }, ctx);
    assert.equal(row.length, e.columns.length, e.resource);
  }
  const short = Object.fromEntries(builtinResources.map((e) => [e.resource, e.shortNames ?? []]));
  assert.deepEqual(short, {
    pods: ['po'],
    namespaces: ['ns'],
    nodes: ['no'],
    events: ['ev'],
    configmaps: ['cm'],
    secrets: [],
    serviceaccounts: ['sa'],
    leases: [],
    replicasets: ['rs'],
    deployments: ['deploy'],
    statefulsets: ['sts'],
    daemonsets: ['ds'],
    controllerrevisions: [],
    jobs: [],
    cronjobs: ['cj'],
    priorityclasses: ['pc'],
    poddisruptionbudgets: ['pdb'],
    customresourcedefinitions: ['crd', 'crds'],
    replicationcontrollers: ['rc'],
    podtemplates: [],
    resourcequotas: ['quota'],
    limitranges: ['limits'],
    roles: [],
    clusterroles: [],
    rolebindings: [],
    clusterrolebindings: [],
    persistentvolumes: ['pv'],
    persistentvolumeclaims: ['pvc'],
    storageclasses: ['sc'],
    services: ['svc'],
    endpoints: ['ep'],
    endpointslices: [],
    horizontalpodautoscalers: ['hpa'],
  });
  assert.equal(leases.schema, 'io.k8s.api.coordination.v1.Lease');
  assert.equal(leases.group, 'coordination.k8s.io');
});

test('namespaces: Active on create, name label, protected names, invalid names', () => {
  const { obj, errors } = create(namespaces, { metadata: { name: 'team-a' } });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.status, { phase: 'Active' });
  assert.deepEqual(obj.spec, { finalizers: ['kubernetes'] });
  assert.equal(obj.metadata?.labels?.['kubernetes.io/metadata.name'], 'team-a');
  assert.deepEqual(namespaces.row({ ...obj, metadata: { ...obj.metadata, creationTimestamp: created } }, ctx), ['Active', '10m']);
  assert.equal(namespaces.fieldSelectors?.['status.phase']?.(obj), 'Active');
  assert.ok(namespaces.protectedNames?.includes('default'));
  assert.deepEqual(namespaces.nameValidator?.('a.b', false).length, 1);
});

test('nodes: status, roles, wide columns, spec.unschedulable selector', () => {
  const node = {
    metadata: { name: 'n1', creationTimestamp: created, labels: { 'node-role.kubernetes.io/control-plane': '' } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'peapod://0.1' },
    },
  };
  assert.deepEqual(nodes.row(node, ctx), [
    'Ready,SchedulingDisabled',
    'control-plane',
    '10m',
    'v1.32.0',
    '10.0.0.1',
    '<none>',
    'Debian',
    '6.1',
    'peapod://0.1',
  ]);
  assert.equal(nodes.fieldSelectors?.['spec.unschedulable']?.(node), 'true');
  assert.equal(nodes.row({ metadata: { name: 'n' } }, ctx)[0], 'Unknown');
  assert.deepEqual(
    nodes.columns.map((c) => c.name),
    ['Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime'],
  );
});

test('events: upstream row and field selectors', () => {
  const ev = {
    metadata: { name: 'p.1', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'default', fieldPath: 'spec.containers{c}' },
    reason: 'Pulled',
    message: 'Pulled image ',
    type: 'Normal',
    source: { component: 'kubelet', host: 'n1' },
    firstTimestamp: '2024-01-01T00:05:00Z',
    lastTimestamp: '2024-01-01T00:09:00Z',
    count: 2,
  };
  assert.deepEqual(create(events, ev).errors, []);
  assert.deepEqual(events.row(ev, ctx), ['60s', 'Normal', 'Pulled', 'pod/p', 'spec.containers{c}', 'kubelet, n1', 'Pulled image', '5m', 2, 'p.1']);
  assert.equal(events.tableIncludesName, true);
  assert.equal(events.fieldSelectors?.['involvedObject.name']?.(ev), 'p');
  assert.equal(events.fieldSelectors?.source?.(ev), 'kubelet');
  assert.deepEqual(create(events, { ...ev, metadata: { name: 'x', namespace: 'other' } }).errors, [
    'involvedObject.namespace: Invalid value: "default": does not match event.namespace',
  ]);
});

test('configmaps: key rules and DATA count', () => {
  assert.deepEqual(create(configmaps, { metadata: { name: 'c', namespace: 'd' }, data: { 'a.b': '1' } }).errors, []);
  assert.deepEqual(create(configmaps, { metadata: { name: 'c', namespace: 'd' }, data: { 'a b': '1' } }).errors, [
    `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
  ]);
  assert.deepEqual(configmaps.row({ metadata: { creationTimestamp: created }, data: { a: '1' }, binaryData: { b: 'AA==' } }, ctx), [2, '10m']);
});

test('configmaps and secrets: immutable ones keep their data', () => {
  const old = { metadata: { name: 'c', namespace: 'd' }, immutable: true, data: { a: '1' } };
  assert.deepEqual(configmaps.validateUpdate?.({ ...old, data: { a: '2' } }, old).map(String), ['data: Forbidden: field is immutable when `immutable` is set']);
});

test('secrets: Opaque by default, stringData merged, base64 checked, type immutable', () => {
  const { obj, errors } = create(secrets, { metadata: { name: 's', namespace: 'd' }, data: { a: 'eA==' }, stringData: { b: 'hello' } });
  assert.deepEqual(errors, []);
  assert.equal(obj.type, 'Opaque');
  assert.deepEqual(obj.data, { a: 'eA==', b: 'aGVsbG8=' });
  assert.equal(obj.stringData, undefined);
  assert.deepEqual(secrets.row({ ...obj, metadata: { creationTimestamp: created } }, ctx), ['Opaque', 2, '10m']);
  assert.deepEqual(create(secrets, { metadata: { name: 's', namespace: 'd' }, data: { a: 'not base64!' } }).errors, [
    'data[a]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3',
  ]);
  assert.deepEqual(secrets.validateUpdate?.({ ...obj, type: 'kubernetes.io/tls' }, obj).map(String), [
    'type: Invalid value: "kubernetes.io/tls": field is immutable',
  ]);
});

test('serviceaccounts and leases', () => {
  assert.deepEqual(serviceaccounts.row({ metadata: { creationTimestamp: created }, secrets: [{ name: 'a' }] }, ctx), [1, '10m']);
  const lease = { metadata: { name: 'l', namespace: 'kube-node-lease', creationTimestamp: created }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } };
  assert.deepEqual(create(leases, lease).errors, []);
  assert.deepEqual(leases.row(lease, ctx), ['n1', '10m']);
  assert.deepEqual(create(leases, { ...lease, spec: { leaseDurationSeconds: 0 } }).errors, [
    'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
  ]);
});
