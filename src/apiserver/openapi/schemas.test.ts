import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadSchemas, schemaSet } from './schemas.ts';

const set = loadSchemas();
const nav = set.navigator;
const CORE = 'io.k8s.api.core.v1.';

describe('SchemaNavigator over the generated schemas', () => {
  it('describes PodSpec.containers as a merge list of Containers keyed by name', () => {
    assert.deepEqual(nav.field(`${CORE}PodSpec`, 'containers'), {
      shape: 'array',
      schema: `${CORE}Container`,
      patchStrategy: 'merge',
      patchMergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
    });
  });

  it('keys Container.ports by containerPort (map keys containerPort + protocol)', () => {
    const ports = nav.field(`${CORE}Container`, 'ports');
    assert.equal(ports?.schema, `${CORE}ContainerPort`);
    assert.equal(ports?.patchMergeKey, 'containerPort');
    assert.deepEqual(ports?.listMapKeys, ['containerPort', 'protocol']);
  });

  it('keys Container.env and EphemeralContainer.env by name', () => {
    for (const owner of ['Container', 'EphemeralContainer']) {
      const env = nav.field(`${CORE}${owner}`, 'env');
      assert.equal(env?.schema, `${CORE}EnvVar`);
      assert.equal(env?.patchStrategy, 'merge');
      assert.equal(env?.patchMergeKey, 'name');
    }
  });

  it('treats PodSpec.tolerations as atomic with no merge key', () => {
    const t = nav.field(`${CORE}PodSpec`, 'tolerations');
    assert.equal(t?.shape, 'array');
    assert.equal(t?.listType, 'atomic');
    assert.equal(t?.patchMergeKey, undefined);
    assert.equal(t?.patchStrategy, undefined);
  });

  it('follows described $ref wrappers to objects, and reports maps and scalars', () => {
    assert.deepEqual(nav.field(`${CORE}Pod`, 'spec'), { shape: 'object', schema: `${CORE}PodSpec` });
    assert.deepEqual(nav.field('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'labels'), { shape: 'map' });
    assert.deepEqual(nav.field(`${CORE}ResourceRequirements`, 'limits'), { shape: 'map' });
    assert.deepEqual(nav.field(`${CORE}ContainerPort`, 'containerPort'), { shape: 'scalar' });
    assert.deepEqual(nav.field(`${CORE}HTTPGetAction`, 'port'), { shape: 'scalar' });
    assert.equal(nav.field('io.k8s.apps.v1.DeploymentSpec', 'strategy'), undefined);
    assert.equal(nav.field('io.k8s.api.apps.v1.DeploymentSpec', 'strategy')?.patchStrategy, 'retainKeys');
    assert.equal(nav.field(`${CORE}PodSpec`, 'constructor'), undefined);
    assert.equal(nav.field(`${CORE}PodSpec`, 'bogus'), undefined);
  });

  it('points StatefulSet volumeClaimTemplates at PersistentVolumeClaim', () => {
    const v = nav.field('io.k8s.api.apps.v1.StatefulSetSpec', 'volumeClaimTemplates');
    assert.deepEqual(v, { shape: 'array', schema: `${CORE}PersistentVolumeClaim`, listType: 'atomic' });
  });

  it('gives Pod a description and its group-version-kind', () => {
    const pod = set.get(`${CORE}Pod`);
    assert.match(pod?.description ?? '', /containers/);
    assert.deepEqual(pod?.['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
    assert.deepEqual(set.get('io.k8s.api.coordination.v1.Lease')?.['x-kubernetes-group-version-kind'], [
      { group: 'coordination.k8s.io', kind: 'Lease', version: 'v1' },
    ]);
  });

  it('uses the upstream forms of IntOrString, Quantity and Time', () => {
    assert.equal(set.get('io.k8s.apimachinery.pkg.util.intstr.IntOrString')?.format, 'int-or-string');
    assert.equal(set.get('io.k8s.apimachinery.pkg.api.resource.Quantity')?.oneOf?.length, 2);
    assert.equal(set.get('io.k8s.apimachinery.pkg.apis.meta.v1.Time')?.format, 'date-time');
  });

  it('has the kinds the server serves', () => {
    for (const name of [
      'io.k8s.api.coordination.v1.Lease',
      'io.k8s.api.events.v1.Event',
      'io.k8s.api.policy.v1.PodDisruptionBudget',
      'io.k8s.api.policy.v1.Eviction',
      'io.k8s.api.scheduling.v1.PriorityClass',
      'io.k8s.api.autoscaling.v1.Scale',
      'io.k8s.api.apps.v1.Deployment',
      'io.k8s.api.batch.v1.Job',
      'io.k8s.api.batch.v1.CronJob',
    ]) {
      assert.ok(nav.has(name), name);
    }
    assert.equal(nav.has('io.k8s.api.core.v1.Nope'), false);
  });

  it('answers for in-memory schema tables too', () => {
    const small = schemaSet({ A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' } } }, B: { type: 'object', properties: {} } });
    assert.deepEqual(small.navigator.field('A', 'b'), { shape: 'object', schema: 'B' });
  });
});
