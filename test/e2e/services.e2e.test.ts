// Services over real containers run by the embedded agent: `kubectl expose` gives a Service whose
// EndpointSlice lists the Running pods' IPs, services/proxy reaches one of them through the API
// server, and `kubectl port-forward svc/web` (kubectl resolves the Service to a pod) forwards to
// the target port. Root only; its own node name, subnet and bridge. Traffic: loopback and the
// test's own bridge.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { eventually, getJson, kubectl, type TestServer } from '../integration/harness.ts';
import { deletePodsAndStop, destroyTestNode, e2eSkipReason, httpGet, startNodeServer, type TestNode } from './e2e-harness.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';

const skip = skipUnlessCI(e2eSkipReason());

describe('services on real containers', { skip, timeout: 180_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;
  let dir: string;
  const env = () => ({ PATH: process.env.PATH ?? '', HOME: join(dir, 'home'), KUBECONFIG: server!.kubeconfig });
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectl(server!, args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peapod-e2e-svc-'));
    ({ node, server } = await startNodeServer('svc'));
    await ok(
      ['apply', '-f', '-'],
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeName: ${node.nodeName}
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: busybox
        command: [sh, -c, 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www']
        ports: [{containerPort: 8080, name: http}]
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`,
    );
    await ok(['rollout', 'status', 'deployment/web', '--timeout=90s']);
  });

  after(async () => {
    if (server) {
      await kubectl(server, ['delete', 'deployment', 'web', '--cascade=foreground', '--timeout=30s']);
      await deletePodsAndStop(server, node);
    }
    if (node) await destroyTestNode(node);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('expose, endpoints of the running pods, services/proxy and port-forward svc/web', async () => {
    assert.match(await ok(['expose', 'deployment', 'web', '--port=80', '--target-port=http']), /service\/web exposed/);
    const slice = await eventually(
      'two ready endpoints',
      async () => {
        const list = await getJson<{ items: EndpointSlice[] }>(
          server!,
          '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb',
        );
        const s = list.items[0];
        return s && (s.endpoints ?? []).filter((e) => e.conditions?.ready).length === 2 ? s : undefined;
      },
      60_000,
    );
    assert.equal(slice.ports?.[0]?.port, 8080);
    const pods = (await ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ');
    for (const e of slice.endpoints ?? []) assert.ok(pods.includes(e.targetRef?.name ?? ''), `${e.targetRef?.name} not a web pod`);
    assert.match(await ok(['describe', 'svc', 'web']), /Endpoints:\s+10\.\d+\.\d+\.\d+:8080,10\.\d+\.\d+\.\d+:8080/);

    const proxied = (await ok(['get', '--raw', '/api/v1/namespaces/default/services/web:80/proxy/'])).trim();
    assert.ok(pods.includes(proxied), `proxy answered ${proxied}`);

    const child = spawn('kubectl', ['port-forward', 'svc/web', ':80'], { env: env() });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const port = await eventually('forwarding', async () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 20_000);
      const answer = (await httpGet(`http://127.0.0.1:${port}/`)).trim();
      assert.ok(pods.includes(answer), `port-forward answered ${answer}`);
    } finally {
      child.kill();
    }
  });
});
