// The core kinds users reach for beyond workloads, with the real kubectl and the controller
// manager running (no scheduler or agent, so pods stay Pending): ResourceQuota with its admission
// and controller, LimitRange defaults and bounds, ReplicationController on the ReplicaSet
// controller, PodTemplate, and the kube-root-ca.crt ConfigMap in every namespace.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, eventually, kubectl, startServer, type TestServer } from './harness.ts';

let server: TestServer;

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

before(async () => {
  server = await startServer({ args: ['--disable', 'scheduler,agent'] });
});
after(async () => {
  await server?.stop();
});

describe('core kinds', () => {
  it('publishes kube-root-ca.crt with the cluster CA in a new namespace, and restores it', async () => {
    await ok(['create', 'namespace', 'rootca']);
    const ca = await eventually('kube-root-ca.crt', async () => {
      const r = await kubectl(server, ['get', 'configmap', 'kube-root-ca.crt', '-n', 'rootca', '-o', 'jsonpath={.data.ca\\.crt}']);
      return r.code === 0 && r.stdout ? r.stdout : undefined;
    });
    assert.equal(ca.trim(), server.ca.trim());
    await ok(['delete', 'configmap', 'kube-root-ca.crt', '-n', 'rootca']);
    await eventually('kube-root-ca.crt restored', async () => (await kubectl(server, ['get', 'configmap', 'kube-root-ca.crt', '-n', 'rootca'])).code === 0);
  });

  it('refuses pods beyond a pods quota with upstream message and reports usage', async () => {
    await ok(['create', 'namespace', 'quota']);
    await ok(['create', 'quota', 'q', '--hard=pods=2,configmaps=20', '-n', 'quota']);
    await ok(['run', 'p1', '-n', 'quota', '--image=busybox']);
    await ok(['run', 'p2', '-n', 'quota', '--image=busybox']);
    const err = await fails(['run', 'p3', '-n', 'quota', '--image=busybox']);
    assert.match(err, /Error from server \(Forbidden\): pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2/);
    const described = await eventually('quota usage', async () => {
      const out = await ok(['describe', 'quota', 'q', '-n', 'quota']);
      return /pods\s+2\s+2/.test(out) ? out : undefined;
    });
    assert.match(described, /Resource\s+Used\s+Hard/);
    assert.match(await ok(['get', 'quota', 'q', '-n', 'quota']), /pods: 2\/2/);
    // Deleting a pod frees quota for the next one.
    await ok(['delete', 'pod', 'p1', '-n', 'quota', '--grace-period=0', '--force']);
    await ok(['run', 'p3', '-n', 'quota', '--image=busybox']);
  });

  it('holds a quota under concurrent creates', async () => {
    await ok(['create', 'namespace', 'race']);
    await ok(['create', 'quota', 'q', '--hard=configmaps=3', '-n', 'race']);
    const codes = await Promise.all(
      Array.from({ length: 8 }, (_v, i) =>
        api(server, 'POST', '/api/v1/namespaces/race/configmaps', { body: { metadata: { name: `c${i}` } } }).then((r) => r.status),
      ),
    );
    // kube-root-ca.crt may or may not be there yet; either way the namespace ends at the limit.
    const list = (await api(server, 'GET', '/api/v1/namespaces/race/configmaps')).json<{ items: unknown[] }>();
    assert.ok(list.items.length <= 3, `${list.items.length} configmaps stored under a quota of 3 (codes ${codes.join(',')})`);
    assert.ok(codes.filter((c) => c === 201).length >= 2, `codes ${codes.join(',')}`);
    assert.ok(codes.filter((c) => c === 403).length >= 5, `codes ${codes.join(',')}`);
  });

  it('applies LimitRange defaults to new pods and refuses pods above its max', async () => {
    await ok(['create', 'namespace', 'limits']);
    await ok(
      ['apply', '-n', 'limits', '-f', '-'],
      'apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr}\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 300m, memory: 64Mi}\n    defaultRequest: {cpu: 200m}\n    max: {cpu: "1"}\n',
    );
    await ok(['run', 'dflt', '-n', 'limits', '--image=busybox']);
    const resources = JSON.parse(await ok(['get', 'pod', 'dflt', '-n', 'limits', '-o', 'jsonpath={.spec.containers[0].resources}'])) as unknown;
    assert.deepEqual(resources, { limits: { cpu: '300m', memory: '64Mi' }, requests: { cpu: '200m', memory: '64Mi' } });
    const err = await fails([
      'run',
      'big',
      '-n',
      'limits',
      '--image=busybox',
      '--overrides',
      '{"spec":{"containers":[{"name":"big","image":"busybox","resources":{"limits":{"cpu":"2"}}}]}}',
    ]);
    assert.match(err, /pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2/);
  });

  it('runs ReplicationControllers: kubectl get rc and kubectl scale rc', async () => {
    await ok(
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: ReplicationController\nmetadata: {name: web}\nspec:\n  replicas: 2\n  template:\n    metadata: {labels: {app: rcweb}}\n    spec:\n      containers: [{name: web, image: busybox}]\n',
    );
    await eventually('2 pods', async () => (await ok(['get', 'pods', '-l', 'app=rcweb', '-o', 'name'])).trim().split('\n').filter(Boolean).length === 2);
    assert.match(await ok(['get', 'rc']), /^web\s+2\s+2\s+0\s+\d+s$/m);
    await ok(['scale', 'rc', 'web', '--replicas=3']);
    await eventually('3 pods', async () => (await ok(['get', 'pods', '-l', 'app=rcweb', '-o', 'name'])).trim().split('\n').filter(Boolean).length === 3);
    assert.equal(await ok(['get', 'rc', 'web', '-o', 'jsonpath={.spec.selector.app}']), 'rcweb');
    await ok(['delete', 'rc', 'web']);
    await eventually('pods collected', async () => (await ok(['get', 'pods', '-l', 'app=rcweb', '-o', 'name'])).trim() === '');
  });

  it('stores PodTemplates', async () => {
    await ok(
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: PodTemplate\nmetadata: {name: pt}\ntemplate:\n  metadata: {labels: {a: b}}\n  spec:\n    containers: [{name: c, image: busybox}]\n',
    );
    assert.match(await ok(['get', 'podtemplates']), /^pt\s+c\s+busybox\s+a=b$/m);
    assert.match(
      await fails(['apply', '-f', '-'], 'apiVersion: v1\nkind: PodTemplate\nmetadata: {name: bad}\ntemplate:\n  spec:\n    containers: []\n'),
      /template\.spec\.containers: Required value/,
    );
  });
});
