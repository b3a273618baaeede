// A pod's identity on a real container: the kube-api-access volume holds a token bound to the pod,
// the cluster CA and the namespace; the mounted token is accepted by the API with exactly its
// ServiceAccount's rights (list ConfigMaps yes, Secrets no) and stops working once the pod is gone.
// The client runs on the host with the token read out of the container (the busybox test image
// has no HTTPS client, and pods on a loopback-only test server cannot reach its address).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { api, eventually, kubectl, type TestServer } from '../integration/harness.ts';
import { deletePodsAndStop, destroyTestNode, e2eSkipReason, startNodeServer, waitPod, type TestNode } from './e2e-harness.ts';

const skip = e2eSkipReason();
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

describe('ServiceAccount tokens in real pods', { skip, timeout: 170_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectl(server!, args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    ({ node, server } = await startNodeServer('sat'));
  });

  after(async () => {
    if (!server) return;
    await deletePodsAndStop(server, node);
    await destroyTestNode(node);
  });

  test('the mounted token lists ConfigMaps, is forbidden for Secrets, and dies with the pod', async () => {
    await ok(['create', 'serviceaccount', 'reader']);
    await ok(['create', 'role', 'cm-reader', '--verb=get,list', '--resource=configmaps']);
    await ok(['create', 'rolebinding', 'reader-cm', '--role=cm-reader', '--serviceaccount=default:reader']);
    const pod: Pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client' },
      spec: { nodeName: node.nodeName, serviceAccountName: 'reader', terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '600'] }] },
    };
    await ok(['apply', '-f', '-'], JSON.stringify(pod));
    await waitPod(server!, 'client', 'running', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);

    assert.equal((await ok(['exec', 'client', '--', 'cat', `${SA_DIR}/namespace`])).trim(), 'default');
    assert.equal(await ok(['exec', 'client', '--', 'cat', `${SA_DIR}/ca.crt`]), server!.ca);
    const env = await ok(['exec', 'client', '--', 'env']);
    assert.match(env, /^KUBERNETES_SERVICE_HOST=\S+$/m);
    assert.match(env, /^KUBERNETES_SERVICE_PORT=\d+$/m);
    const token = (await ok(['exec', 'client', '--', 'cat', `${SA_DIR}/token`])).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; exp: number; iat: number; 'kubernetes.io': { pod: { name: string } } };
    assert.equal(claims.sub, 'system:serviceaccount:default:reader');
    assert.equal(claims['kubernetes.io'].pod.name, 'client');
    assert.equal(claims.exp - claims.iat, 3607);

    const cms = await api(server!, 'GET', '/api/v1/namespaces/default/configmaps', { token });
    assert.equal(cms.status, 200, cms.body);
    const secrets = await api(server!, 'GET', '/api/v1/namespaces/default/secrets', { token });
    assert.equal(secrets.status, 403);
    assert.equal(secrets.json().message, 'secrets is forbidden: User "system:serviceaccount:default:reader" cannot list resource "secrets" in API group "" in the namespace "default"');

    await ok(['delete', 'pod', 'client', '--wait=true']);
    await eventually('the bound token to be refused', async () => (await api(server!, 'GET', '/api/v1/namespaces/default/configmaps', { token })).status === 401);
  });

  test('automountServiceAccountToken: false leaves the pod without a token', async () => {
    const pod: Pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'no-token' },
      spec: { nodeName: node.nodeName, automountServiceAccountToken: false, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '600'] }] },
    };
    await ok(['apply', '-f', '-'], JSON.stringify(pod));
    await waitPod(server!, 'no-token', 'running', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
    const r = await kubectl(server!, ['exec', 'no-token', '--', 'ls', SA_DIR]);
    assert.notEqual(r.code, 0);
  });
});
