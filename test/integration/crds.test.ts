// CustomResourceDefinitions end to end, with the real kubectl and @kubernetes/client-node: a
// definition is served at once (discovery, OpenAPI, printer columns), its schema validates,
// defaults and prunes, status and scale subresources work, and deleting it deletes its objects.
// The controller manager runs (no scheduler/agent) so garbage collection and namespace deletion
// of custom resources are covered too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { api, eventually, kubectl, startServer, type TestServer } from './harness.ts';

const TESTDATA = join(import.meta.dirname, '../testdata');
let server: TestServer;
let kc: k8s.KubeConfig;

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(server, args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function fails(args: string[], input?: string): Promise<string> {
  const r = await kubectl(server, args, input === undefined ? {} : { input });
  assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should have failed:\n${r.stdout}`);
  return r.stderr;
}

const cronTab = (name: string, spec: string, extra = '') => `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: ${name}
spec:
${spec}
${extra}`;

before(async () => {
  server = await startServer({ args: ['--disable', 'scheduler,agent'] });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfig);
  await ok(['apply', '-f', join(TESTDATA, 'crontab-crd.yaml')]);
  await ok(['wait', '--for=condition=Established', 'crd/crontabs.stable.example.com', '--timeout=10s']);
});
after(async () => {
  await server?.stop();
});

describe('CustomResourceDefinitions', () => {
  it('reports Established and NamesAccepted with the accepted names', async () => {
    const crd = JSON.parse(await ok(['get', 'crd', 'crontabs.stable.example.com', '-o', 'json'])) as {
      status: { conditions: { type: string; status: string; reason: string }[]; acceptedNames: { kind: string; shortNames: string[] } };
    };
    const byType = Object.fromEntries(crd.status.conditions.map((c) => [c.type, c]));
    assert.equal(byType.Established?.status, 'True');
    assert.equal(byType.NamesAccepted?.reason, 'NoConflicts');
    assert.equal(crd.status.acceptedNames.kind, 'CronTab');
    assert.deepEqual(crd.status.acceptedNames.shortNames, ['ct']);
  });

  it('is discovered: api-resources, short name, singular and category', async () => {
    const resources = await ok(['api-resources', '--api-group', 'stable.example.com']);
    assert.match(resources, /crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab/);
    await ok(['apply', '-f', '-'], cronTab('disc', '  cronSpec: "* * * * */5"'));
    for (const name of ['crontabs', 'crontab', 'ct', 'cron']) assert.match(await ok(['get', name]), /^disc\s/m, name);
  });

  it('applies CRs, shows the printer columns and fills in defaults', async () => {
    await ok(['apply', '-f', '-'], cronTab('print', '  cronSpec: "*/2 * * * *"\n  image: img:1'));
    const table = await ok(['get', 'ct', 'print']);
    assert.match(table, /^NAME\s+SPEC\s+REPLICAS\s+AGE$/m);
    assert.match(table, /^print\s+\*\/2 \* \* \* \*\s+1\s+\d+s$/m);
    assert.equal(await ok(['get', 'ct', 'print', '-o', 'jsonpath={.spec.replicas}']), '1');
    // A second client-side apply patches (kubectl picks merge patch from the served OpenAPI), and
    // server-side apply works too.
    await ok(['apply', '-f', '-'], cronTab('print', '  cronSpec: "*/2 * * * *"\n  image: img:2'));
    assert.equal(await ok(['get', 'ct', 'print', '-o', 'jsonpath={.spec.image}']), 'img:2');
    await ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], cronTab('print', '  cronSpec: "*/3 * * * *"\n  image: img:3'));
    assert.equal(await ok(['get', 'ct', 'print', '-o', 'jsonpath={.spec.cronSpec} {.spec.image}']), '*/3 * * * * img:3');
  });

  it('explains the schema', async () => {
    const out = await ok(['explain', 'crontab.spec']);
    assert.match(out, /KIND:\s+CronTab/);
    assert.match(out, /cronSpec\s+<string> -required-/);
    assert.match(out, /A cron expression\./);
  });

  it('refuses an invalid CR with field paths and changes nothing', async () => {
    const err = await fails(['apply', '-f', '-'], cronTab('bad', '  cronSpec: nope\n  replicas: 15\n  color: pink'));
    assert.match(err, /The CronTab "bad" is invalid/);
    assert.match(err, /spec\.replicas: Invalid value: 15: spec\.replicas in body should be less than or equal to 10/);
    assert.match(err, /spec\.color: Unsupported value: "pink": supported values: "red", "green", "blue"/);
    assert.match(err, /spec\.cronSpec: Invalid value: "nope": spec\.cronSpec in body should match/);
    const missing = await fails(['apply', '-f', '-'], cronTab('bad', '  replicas: "two"'));
    assert.match(missing, /spec\.cronSpec: Required value/);
    assert.match(missing, /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/);
    assert.match((await kubectl(server, ['get', 'ct', 'bad'])).stderr, /NotFound/);
  });

  it('evaluates CEL rules (x-kubernetes-validations), transition rules on updates only', async () => {
    const err = await fails(['apply', '-f', '-'], cronTab('cel', '  cronSpec: "* * * * *"\n  replicas: 7'));
    assert.match(err, /The CronTab "cel" is invalid: spec: Invalid value: "object": more than 5 replicas need an image/);
    await ok(['apply', '-f', '-'], cronTab('cel', '  cronSpec: "* * * * *"\n  replicas: 7\n  image: big\n  color: green'));
    const immutable = await fails(['patch', 'ct', 'cel', '--type=merge', '-p', '{"spec":{"color":"red"}}']);
    assert.match(immutable, /spec\.color: Invalid value: "string": color is immutable/);
    await ok(['patch', 'ct', 'cel', '--type=merge', '-p', '{"spec":{"image":"bigger"}}']);
  });

  it('refuses a definition whose CEL rule does not compile', async () => {
    const bad = conflictingCrd
      .replaceAll('crontabcopies', 'brokens')
      .replace('CronTabCopy, shortNames: [ct]', 'Broken')
      .replace('x-kubernetes-preserve-unknown-fields: true', 'x-kubernetes-validations: [{rule: "self.a ==", message: m}]');
    const err = await fails(['apply', '-f', '-'], bad);
    assert.match(err, /spec\.versions\[0\]\.schema\.openAPIV3Schema\.x-kubernetes-validations\[0\]\.rule: Invalid value: "self\.a ==": compilation failed/);
  });

  it('refuses unknown fields with --validate=strict and prunes them otherwise', async () => {
    const body = cronTab('prune', '  cronSpec: "* * * * *"\n  bogus: 1');
    const err = await fails(['apply', '--validate=strict', '-f', '-'], body);
    assert.match(err, /strict decoding error: unknown field "spec\.bogus"/);
    await ok(['apply', '--validate=false', '-f', '-'], body);
    const spec = JSON.parse(await ok(['get', 'ct', 'prune', '-o', 'jsonpath={.spec}'])) as Record<string, unknown>;
    assert.equal(spec.bogus, undefined);
    assert.equal(spec.cronSpec, '* * * * *');
  });

  it('scales through the scale subresource and patches status', async () => {
    await ok(['apply', '-f', '-'], cronTab('scaled', '  cronSpec: "* * * * *"'));
    await ok(['scale', 'ct', 'scaled', '--replicas=4']);
    assert.equal(await ok(['get', 'ct', 'scaled', '-o', 'jsonpath={.spec.replicas}']), '4');
    await ok(['patch', 'ct', 'scaled', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":4,"labelSelector":"app=cron"}}']);
    const scale = (await api(server, 'GET', '/apis/stable.example.com/v1/namespaces/default/crontabs/scaled/scale')).json<{
      spec: { replicas: number };
      status: { replicas: number; selector: string };
    }>();
    assert.deepEqual([scale.spec.replicas, scale.status.replicas, scale.status.selector], [4, 4, 'app=cron']);
    // The main resource does not change status; the status subresource does not change spec.
    await ok(['patch', 'ct', 'scaled', '--type=merge', '-p', '{"status":{"replicas":9}}']);
    assert.equal(await ok(['get', 'ct', 'scaled', '-o', 'jsonpath={.status.replicas}']), '4');
    const invalidStatus = await fails(['patch', 'ct', 'scaled', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":"many"}}']);
    assert.match(invalidStatus, /status\.replicas: Invalid value: "string"/);
  });

  it('refuses strategic merge patch as upstream does for custom resources', async () => {
    const res = await api(server, 'PATCH', '/apis/stable.example.com/v1/namespaces/default/crontabs/scaled', {
      body: { spec: { image: 'x' } },
      contentType: 'application/strategic-merge-patch+json',
    });
    assert.equal(res.status, 415);
    assert.match(
      res.json<{ message: string }>().message,
      /accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/,
    );
  });

  it('selects by metadata.name and by selectableFields', async () => {
    await ok(['apply', '-f', '-'], cronTab('blue', '  cronSpec: "* * * * *"\n  color: blue'));
    assert.equal((await ok(['get', 'ct', '--field-selector', 'spec.color=blue', '-o', 'name'])).trim(), 'crontab.stable.example.com/blue');
    assert.equal((await ok(['get', 'ct', '--field-selector', 'metadata.name=blue', '-o', 'name'])).trim(), 'crontab.stable.example.com/blue');
    assert.match(await fails(['get', 'ct', '--field-selector', 'spec.image=x']), /field label not supported: spec\.image/);
  });

  it('works with client-node CustomObjectsApi and watch', async () => {
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      '/apis/stable.example.com/v1/namespaces/default/crontabs',
      { fieldSelector: 'metadata.name=watched' },
      (type: string) => events.push(type),
      () => undefined,
    );
    const ref = { group: 'stable.example.com', version: 'v1', namespace: 'default', plural: 'crontabs' };
    const created = (await custom.createNamespacedCustomObject({
      ...ref,
      body: { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'watched' }, spec: { cronSpec: '* * * * *' } },
    })) as { spec: { replicas: number } };
    assert.equal(created.spec.replicas, 1);
    await custom.patchNamespacedCustomObject(
      { ...ref, name: 'watched', body: { spec: { image: 'v2' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const list = (await custom.listNamespacedCustomObject(ref)) as { items: { metadata: { name: string } }[] };
    assert.ok(list.items.some((i) => i.metadata.name === 'watched'));
    await custom.deleteNamespacedCustomObject({ ...ref, name: 'watched' });
    await eventually('watch events', async () => events.includes('DELETED'), 10_000);
    req.abort();
    assert.deepEqual(events, ['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('serves cluster-scoped definitions and several versions with conversion None', async () => {
    await ok(['apply', '-f', '-'], multiVersionCrd);
    await ok(['wait', '--for=condition=Established', 'crd/widgets.shop.example.org', '--timeout=10s']);
    await ok(['apply', '-f', '-'], 'apiVersion: shop.example.org/v1beta1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n');
    const v1 = JSON.parse(await ok(['get', 'widgets.v1.shop.example.org', 'w1', '-o', 'json'])) as { apiVersion: string; metadata: { namespace?: string } };
    assert.equal(v1.apiVersion, 'shop.example.org/v1');
    assert.equal(v1.metadata.namespace, undefined);
    const beta = (await api(server, 'GET', '/apis/shop.example.org/v1beta1/widgets/w1')).json<{ apiVersion: string }>();
    assert.equal(beta.apiVersion, 'shop.example.org/v1beta1');
    // v1alpha1 is defined but not served.
    assert.equal((await api(server, 'GET', '/apis/shop.example.org/v1alpha1/widgets')).status, 404);
  });

  it('reports a name conflict with NamesAccepted=False and does not serve it', async () => {
    await ok(['apply', '-f', '-'], conflictingCrd);
    const reason = await eventually('NamesAccepted condition', async () => {
      const r = await ok(['get', 'crd', 'crontabcopies.stable.example.com', '-o', 'jsonpath={.status.conditions[?(@.type=="NamesAccepted")].reason}']);
      return r || undefined;
    });
    assert.equal(reason, 'ShortNamesConflict');
    assert.equal((await api(server, 'GET', '/apis/stable.example.com/v1/crontabcopies')).status, 404);
    await ok(['delete', 'crd', 'crontabcopies.stable.example.com']);
  });

  it('garbage-collects custom resources whose owner is gone and deletes them with their namespace', async () => {
    await ok(['create', 'namespace', 'crd-ns']);
    await ok(['create', 'configmap', 'owner', '-n', 'crd-ns']);
    const uid = await ok(['get', 'configmap', 'owner', '-n', 'crd-ns', '-o', 'jsonpath={.metadata.uid}']);
    await ok(
      ['apply', '-n', 'crd-ns', '-f', '-'],
      cronTab('owned', '  cronSpec: "* * * * *"').replace(
        'metadata:\n',
        `metadata:\n  ownerReferences:\n  - {apiVersion: v1, kind: ConfigMap, name: owner, uid: ${uid}}\n`,
      ),
    );
    await ok(['apply', '-n', 'crd-ns', '-f', '-'], cronTab('free', '  cronSpec: "* * * * *"'));
    await ok(['delete', 'configmap', 'owner', '-n', 'crd-ns']);
    await eventually('owned CR collected', async () => (await kubectl(server, ['get', 'ct', 'owned', '-n', 'crd-ns'])).code !== 0);
    await ok(['delete', 'namespace', 'crd-ns', '--wait=true', '--timeout=30s']);
    assert.equal((await api(server, 'GET', '/apis/stable.example.com/v1/namespaces/crd-ns/crontabs/free')).status, 404);
  });

  it('deleting the definition deletes its objects, then stops serving it', async () => {
    await ok(['apply', '-f', '-'], cronTab('last', '  cronSpec: "* * * * *"'));
    await ok(['delete', 'crd', 'crontabs.stable.example.com', '--timeout=30s']);
    assert.equal((await api(server, 'GET', '/apis/stable.example.com/v1/crontabs')).status, 404);
    assert.doesNotMatch(await ok(['api-resources']), /crontabs/);
    // Re-creating the definition serves an empty collection: the objects went with it.
    await ok(['apply', '-f', join(TESTDATA, 'crontab-crd.yaml')]);
    await ok(['wait', '--for=condition=Established', 'crd/crontabs.stable.example.com', '--timeout=10s']);
    const list = (await api(server, 'GET', '/apis/stable.example.com/v1/crontabs')).json<{ items: unknown[] }>();
    assert.deepEqual(list.items, []);
  });

  it('real-world definitions (cert-manager) apply and their examples validate, CEL rule included', async () => {
    const dir = join(TESTDATA, 'cert-manager');
    await ok(['apply', '-f', join(dir, 'cert-manager.io_certificates.yaml'), '-f', join(dir, 'cert-manager.io_issuers.yaml')]);
    await ok(['wait', '--for=condition=Established', 'crd/certificates.cert-manager.io', 'crd/issuers.cert-manager.io', '--timeout=10s']);
    await ok(['apply', '-f', join(dir, 'cert-manager-resources.yaml')]);
    const table = await ok(['get', 'certs']);
    assert.match(table, /^NAME\s+READY\s+SECRET\s+AGE$/m);
    assert.match(table, /^test1\s+test1\s+\d+s$/m);
    assert.match(await ok(['get', 'cert-manager']), /issuer\.cert-manager\.io\/selfsigned-issuer/);
    assert.match(await ok(['explain', 'certificate.spec.issuerRef']), /name\s+<string> -required-/);
    const two =
      'apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata:\n  name: venafi\nspec:\n  venafi:\n    zone: z\n    tpp: {url: "https://tpp.invalid", credentialsRef: {name: a}}\n    cloud: {apiTokenSecretRef: {name: b}}\n';
    assert.match(await fails(['apply', '-f', '-'], two), /spec\.venafi: Invalid value: "object": exactly one of tpp, cloud, or ngts must be configured/);
    const missing = await fails(
      ['apply', '-f', '-'],
      'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: nosecret\nspec:\n  issuerRef: {name: x}\n',
    );
    assert.match(missing, /spec\.secretName: Required value/);
  });
});

const multiVersionCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.shop.example.org
spec:
  group: shop.example.org
  scope: Cluster
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1beta1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}}
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}}
  - name: v1alpha1
    served: false
    storage: false
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}}
`;

const conflictingCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabcopies.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: crontabcopies, kind: CronTabCopy, shortNames: [ct]}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`;
