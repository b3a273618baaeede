import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenApi, type OpenApiResource } from './documents.ts';

const core = (kind: string, resource: string, namespaced: boolean, subresources: string[]): OpenApiResource => ({
  group: '',
  version: 'v1',
  kind,
  resource,
  namespaced,
  schema: `io.k8s.api.core.v1.${kind}`,
  subresources,
});
const resources: OpenApiResource[] = [
  core('Pod', 'pods', true, ['status', 'binding', 'log']),
  core('Node', 'nodes', false, ['status']),
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    resource: 'deployments',
    namespaced: true,
    schema: 'io.k8s.api.apps.v1.Deployment',
    subresources: ['status', 'scale'],
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    resource: 'leases',
    namespaced: true,
    schema: 'io.k8s.api.coordination.v1.Lease',
  },
];

interface Param {
  name: string;
  in: string;
  schema?: { type?: string };
}
interface Op {
  parameters?: Param[];
  'x-kubernetes-group-version-kind'?: unknown;
  requestBody?: { content: Record<string, unknown> };
}
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Op>>;
  components: { schemas: Record<string, { description?: string; 'x-kubernetes-group-version-kind'?: unknown }> };
}

const api = buildOpenApi(resources);
const parse = (gv: string): Doc => JSON.parse(api.document(gv)?.body ?? 'null') as Doc;

describe('buildOpenApi', () => {
  it('lists one URL per group-version with the hash of its document', () => {
    const root = api.root();
    assert.deepEqual(Object.keys(root.paths), ['api/v1', 'apis/apps/v1', 'apis/coordination.k8s.io/v1']);
    assert.equal(root.paths['api/v1']?.serverRelativeURL, `/openapi/v3/api/v1?hash=${api.document('api/v1')?.hash}`);
    assert.match(api.document('/apis/apps/v1')?.hash ?? '', /^[0-9A-F]{128}$/);
    assert.equal(api.document('apis/batch/v1'), undefined);
  });

  it('gives each kind a patch operation with its GVK and the fieldValidation parameter', () => {
    const doc = parse('api/v1');
    assert.equal(doc.openapi, '3.0.0');
    const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.patch;
    assert.deepEqual(patch?.['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Pod' });
    const names = patch?.parameters?.map((p) => `${p.in}:${p.name}`);
    for (const n of ['query:fieldValidation', 'query:dryRun', 'query:fieldManager', 'query:force']) assert.ok(names?.includes(n), n);
    assert.deepEqual(patch?.parameters?.find((p) => p.name === 'fieldValidation')?.schema?.type, 'string');
    assert.deepEqual(Object.keys(patch?.requestBody?.content ?? {}).sort(), [
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
    const node = doc.paths['/api/v1/nodes/{name}']?.patch;
    assert.deepEqual(node?.['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Node' });
    assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/status']?.patch);
    assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/binding']?.post);
    assert.equal(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/log'], undefined);
  });

  it('holds every schema reachable from its kinds, with descriptions and GVKs', () => {
    const schemas = parse('api/v1').components.schemas;
    const pod = schemas['io.k8s.api.core.v1.Pod'];
    assert.ok(pod?.description);
    assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
    for (const n of [
      'io.k8s.api.core.v1.Container',
      'io.k8s.api.core.v1.PodList',
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
    ]) {
      assert.ok(schemas[n], n);
    }
    assert.equal(schemas['io.k8s.api.apps.v1.Deployment'], undefined);
    const apps = parse('apis/apps/v1');
    assert.ok(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
    assert.deepEqual(apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']?.patch?.['x-kubernetes-group-version-kind'], {
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });
  });

  it('is deterministic and cached', () => {
    const again = buildOpenApi([...resources].reverse());
    assert.equal(again.document('api/v1')?.body, api.document('api/v1')?.body);
    assert.equal(api.document('api/v1'), api.document('api/v1'));
  });
});
