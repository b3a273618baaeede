// kubectl's generator commands (`kubectl create configmap|secret|namespace|...`) send protobuf
// request bodies (client-go's typed clientset defaults to application/vnd.kubernetes.protobuf).
// They must work against peapod as against a real cluster, and the stored objects must carry what
// the user asked for.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, kubectl, startServer, type TestServer } from './harness.ts';
import { skipTestUnlessCI } from '../skip-unless-ci.ts';

let server: TestServer;
const NS = 'gen-test';

async function ok(args: string[]): Promise<string> {
  const r = await kubectl(server, args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

async function getJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
  return JSON.parse(await ok(['get', ...args, '-o', 'json'])) as T;
}

/** Whether the server serves `resource` in `groupVersion` (some kinds arrive with other work). */
async function serves(groupVersion: string, resource: string): Promise<boolean> {
  const path = groupVersion === 'v1' ? '/api/v1' : `/apis/${groupVersion}`;
  const r = await api(server, 'GET', path);
  if (r.status !== 200) return false;
  return r.json<{ resources: { name: string }[] }>().resources.some((x) => x.name === resource);
}

describe('kubectl generator commands (protobuf bodies)', () => {
  before(async () => {
    // No agent: nothing here runs containers, and its pod network namespaces outlive a quick stop.
    server = await startServer({ args: ['--disable', 'agent'] });
  });
  after(async () => {
    await server?.stop();
  });

  it('kubectl create namespace', async () => {
    assert.match(await ok(['create', 'namespace', NS]), /namespace\/gen-test created/);
    const ns = await getJson<{ metadata: { name: string }; status?: { phase?: string } }>(['namespace', NS]);
    assert.equal(ns.metadata.name, NS);
  });

  it('kubectl create configmap --from-literal', async () => {
    assert.match(await ok(['-n', NS, 'create', 'configmap', 'cm1', '--from-literal=a=b', '--from-literal=empty=']), /configmap\/cm1 created/);
    const cm = await getJson<{ data: Record<string, string>; metadata: { namespace: string; uid: string; creationTimestamp: string } }>([
      '-n',
      NS,
      'configmap',
      'cm1',
    ]);
    assert.deepEqual(cm.data, { a: 'b', empty: '' });
    assert.equal(cm.metadata.namespace, NS);
    assert.ok(cm.metadata.uid);
    assert.match(cm.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('kubectl create secret generic: data is the base64 of the literal', async () => {
    assert.match(await ok(['-n', NS, 'create', 'secret', 'generic', 's1', '--from-literal=password=s3cr3t!', '--type=Opaque']), /secret\/s1 created/);
    const s = await getJson<{ data: Record<string, string>; type: string }>(['-n', NS, 'secret', 's1']);
    assert.equal(Buffer.from(s.data.password!, 'base64').toString('utf8'), 's3cr3t!');
    assert.equal(s.type, 'Opaque');
  });

  it('kubectl create serviceaccount', async () => {
    assert.match(await ok(['-n', NS, 'create', 'serviceaccount', 'robot']), /serviceaccount\/robot created/);
    const sa = await getJson<{ metadata: { name: string } }>(['-n', NS, 'serviceaccount', 'robot']);
    assert.equal(sa.metadata.name, 'robot');
  });

  it('kubectl create priorityclass: value and description', async (t) => {
    if (!(await serves('scheduling.k8s.io/v1', 'priorityclasses'))) return skipTestUnlessCI(t, 'the server does not serve priorityclasses yet');
    assert.match(
      await ok(['create', 'priorityclass', 'gen-test-pc', '--value=1000', '--description=from a protobuf body']),
      /priorityclass.scheduling.k8s.io\/gen-test-pc created/,
    );
    const pc = await getJson<{ value: number; description: string; globalDefault?: boolean }>(['priorityclass', 'gen-test-pc']);
    assert.equal(pc.value, 1000);
    assert.equal(pc.description, 'from a protobuf body');
    await ok(['delete', 'priorityclass', 'gen-test-pc']);
  });

  it('kubectl create service clusterip: ports and selector', async (t) => {
    if (!(await serves('v1', 'services'))) return skipTestUnlessCI(t, 'the server does not serve services yet');
    assert.match(await ok(['-n', NS, 'create', 'service', 'clusterip', 'web', '--tcp=8080:80']), /service\/web created/);
    const svc = await getJson<{
      spec: { ports: { port: number; targetPort: number | string; protocol: string; name: string }[]; selector: Record<string, string> };
    }>(['-n', NS, 'service', 'web']);
    assert.equal(svc.spec.ports.length, 1);
    assert.equal(svc.spec.ports[0]!.port, 8080);
    assert.equal(svc.spec.ports[0]!.targetPort, 80);
    assert.equal(svc.spec.ports[0]!.protocol, 'TCP');
    assert.deepEqual(svc.spec.selector, { app: 'web' });
  });

  it('kubectl create deployment: replicas, image and labels', async (t) => {
    if (!(await serves('apps/v1', 'deployments'))) return skipTestUnlessCI(t, 'the server does not serve apps/v1 deployments yet');
    assert.match(await ok(['-n', NS, 'create', 'deployment', 'd1', '--image=busybox:1.36', '--replicas=3', '--port=80']), /deployment.apps\/d1 created/);
    const d = await getJson<{
      spec: {
        replicas: number;
        selector: { matchLabels: Record<string, string> };
        template: {
          metadata: { labels: Record<string, string> };
          spec: { containers: { name: string; image: string; ports?: { containerPort: number }[] }[] };
        };
      };
    }>(['-n', NS, 'deployment', 'd1']);
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.selector.matchLabels, { app: 'd1' });
    assert.deepEqual(d.spec.template.metadata.labels, { app: 'd1' });
    assert.equal(d.spec.template.spec.containers[0]!.image, 'busybox:1.36');
    assert.equal(d.spec.template.spec.containers[0]!.ports?.[0]?.containerPort, 80);
  });

  it('kubectl create job: command and image', async (t) => {
    if (!(await serves('batch/v1', 'jobs'))) return skipTestUnlessCI(t, 'the server does not serve batch/v1 jobs yet');
    assert.match(await ok(['-n', NS, 'create', 'job', 'j1', '--image=busybox:1.36', '--', 'echo', 'hi']), /job.batch\/j1 created/);
    const j = await getJson<{ spec: { template: { spec: { restartPolicy: string; containers: { image: string; command: string[] }[] } } } }>([
      '-n',
      NS,
      'job',
      'j1',
    ]);
    assert.equal(j.spec.template.spec.containers[0]!.image, 'busybox:1.36');
    assert.deepEqual(j.spec.template.spec.containers[0]!.command, ['echo', 'hi']);
    assert.equal(j.spec.template.spec.restartPolicy, 'Never');
  });

  it('a protobuf body with bad bytes is a 400, not a crash', async () => {
    const r = await api(server, 'POST', `/api/v1/namespaces/${NS}/configmaps`, {
      body: Buffer.from('k8s\0\x0a\xff\xff', 'latin1'),
      contentType: 'application/vnd.kubernetes.protobuf',
    });
    assert.equal(r.status, 400);
    assert.equal(r.json<{ reason: string }>().reason, 'BadRequest');
  });

  it('cleanup: deleting the namespace', async () => {
    await ok(['delete', 'namespace', NS, '--wait=false']);
  });
});
