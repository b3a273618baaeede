// A pod's identity on a real container: the kube-api-access volume holds a token bound to the pod,
// the cluster CA and the namespace; a client inside the pod (curl in a test image, configured as
// client-go's in-cluster config is) reaches the API through the `kubernetes` Service with exactly
// its ServiceAccount's rights (list ConfigMaps yes, Secrets no), and the token stops working once
// the pod is gone. The server listens on the test bridge's gateway (made before the server starts,
// so it can bind there) and advertises it, so the Service's endpoint is reachable from pods.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { api, eventually, kubectl, startServer, type TestServer } from '../integration/harness.ts';
import { deletePodsAndStop, destroyTestNode, e2eSkipReason, newTestNode, sweepCrashedRuns, waitPod, type TestNode } from './e2e-harness.ts';
import { buildKubeClientArchive, KUBE_CLIENT_IMAGE, kubeClientSkipReason } from './kube-client-image.ts';

const skip = e2eSkipReason() || kubeClientSkipReason();
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const ROOT = join(import.meta.dirname, '../..');

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
}

describe('ServiceAccount tokens in real pods', { skip, timeout: 200_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectl(server!, args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    await sweepCrashedRuns();
    node = await newTestNode('sat');
    const gateway = node.subnet.replace(/\.0\/24$/, '.1');
    run('ip', ['link', 'add', 'name', node.bridge, 'type', 'bridge']);
    run('ip', ['addr', 'add', `${gateway}/24`, 'dev', node.bridge]);
    run('ip', ['link', 'set', node.bridge, 'up']);
    const archive = await buildKubeClientArchive(node.dir);
    run(process.execPath, [join(ROOT, 'bin/peapod.js'), 'image', 'import', archive, '--data-dir', node.agentDir]);
    server = await startServer({
      dataDir: node.dir,
      args: ['--node-name', node.nodeName, '--pod-cidr', node.subnet, '--service-cluster-ip-range', node.serviceCidr!, '--listen', `${gateway}:0`],
    });
  });

  after(async () => {
    if (server) await deletePodsAndStop(server, node);
    if (node) await destroyTestNode(node);
  });

  test('a client in the pod lists ConfigMaps through the kubernetes Service, is forbidden for Secrets, and the token dies with the pod', async () => {
    await ok(['create', 'namespace', 'team']);
    await ok(['-n', 'team', 'create', 'configmap', 'settings', '--from-literal=mode=fast']);
    await ok(['-n', 'team', 'create', 'secret', 'generic', 'password', '--from-literal=p=hunter2']);
    await ok(['-n', 'team', 'create', 'serviceaccount', 'reader']);
    await ok(['-n', 'team', 'create', 'role', 'cm-reader', '--verb=get,list', '--resource=configmaps']);
    await ok(['-n', 'team', 'create', 'rolebinding', 'reader-cm', '--role=cm-reader', '--serviceaccount=team:reader']);
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'client', namespace: 'team' },
      spec: {
        nodeName: node.nodeName,
        serviceAccountName: 'reader',
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: KUBE_CLIENT_IMAGE, imagePullPolicy: 'Never', command: ['sleep', '600'] }],
      },
    };
    await ok(['apply', '-f', '-'], JSON.stringify(pod));
    await eventually(
      'pod team/client running',
      async () => {
        const r = await api(server!, 'GET', '/api/v1/namespaces/team/pods/client');
        return r.status === 200 && r.json<Pod>().status?.containerStatuses?.[0]?.state?.running !== undefined;
      },
      60_000,
    );
    const exec = (...cmd: string[]): Promise<string> => ok(['-n', 'team', 'exec', 'client', '--', ...cmd]);

    assert.equal((await exec('cat', `${SA_DIR}/namespace`)).trim(), 'team');
    assert.equal(await exec('cat', `${SA_DIR}/ca.crt`), server!.ca);
    const kubernetes = (await api(server!, 'GET', '/api/v1/namespaces/default/services/kubernetes')).json<Service>();
    const env = await exec('env');
    assert.match(env, new RegExp(`^KUBERNETES_SERVICE_HOST=${kubernetes.spec!.clusterIP!.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(env, /^KUBERNETES_SERVICE_PORT=443$/m);
    const token = (await exec('cat', `${SA_DIR}/token`)).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      sub: string;
      exp: number;
      iat: number;
      'kubernetes.io': { pod: { name: string } };
    };
    assert.equal(claims.sub, 'system:serviceaccount:team:reader');
    assert.equal(claims['kubernetes.io'].pod.name, 'client');
    assert.equal(claims.exp - claims.iat, 3607);

    const [cmBody, cmStatus] = splitStatus(await exec('kubeclient', 'configmaps'));
    assert.equal(cmStatus, '200', cmBody);
    const cms = JSON.parse(cmBody) as { kind: string; items: { metadata: { name: string } }[] };
    assert.equal(cms.kind, 'ConfigMapList');
    assert.ok(
      cms.items.some((i) => i.metadata.name === 'settings'),
      cmBody,
    );
    const [secretBody, secretStatus] = splitStatus(await exec('kubeclient', 'secrets'));
    assert.equal(secretStatus, '403', secretBody);
    assert.equal(
      (JSON.parse(secretBody) as { message: string }).message,
      'secrets is forbidden: User "system:serviceaccount:team:reader" cannot list resource "secrets" in API group "" in the namespace "team"',
    );

    await ok(['-n', 'team', 'delete', 'pod', 'client', '--wait=true']);
    await eventually('the bound token to be refused', async () => (await api(server!, 'GET', '/api/v1/namespaces/team/configmaps', { token })).status === 401);
  });

  test('automountServiceAccountToken: false leaves the pod without a token', async () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'no-token' },
      spec: {
        nodeName: node.nodeName,
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: 'busybox', command: ['sleep', '600'] }],
      },
    };
    await ok(['apply', '-f', '-'], JSON.stringify(pod));
    await waitPod(server!, 'no-token', 'running', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
    const r = await kubectl(server!, ['exec', 'no-token', '--', 'ls', SA_DIR]);
    assert.notEqual(r.code, 0);
  });
});

/** kubeclient prints the body, then the HTTP status on the last line. */
function splitStatus(out: string): [string, string] {
  const lines = out.trimEnd().split('\n');
  const status = lines.pop() ?? '';
  return [lines.join('\n'), status];
}
