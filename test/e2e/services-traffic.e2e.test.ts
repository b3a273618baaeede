// Services on real containers, single node: `kubectl expose` a Deployment of httpd pods and reach
// it from a busybox pod by short name, FQDN and ClusterIP (the agent's nftables proxy and node-local
// DNS), see requests spread over every ready pod, an unready pod drop out, a pod reach its own
// Service (hairpin), the NodePort answer on a node address, scaling to 0 refuse connections,
// StatefulSet pods find each other by stable name after one is recreated, and the nft table go
// with the agent. Root only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { tableName } from '../../src/agent/proxy/index.ts';
import { api, eventually, kubectl, type TestServer } from '../integration/harness.ts';
import { deletePodsAndStop, destroyTestNode, e2eSkipReason, httpGet, startNodeServer, waitPod, type TestNode } from './e2e-harness.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';

const skip = skipUnlessCI(e2eSkipReason() || (spawnSync('nft', ['--version']).status !== 0 ? 'needs nft (Debian nftables)' : false));

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: busybox
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && echo ok > /www/ready.html && exec httpd -f -p 8080 -h /www"]
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /ready.html, port: 8080}, periodSeconds: 1, failureThreshold: 1}
`;

const DB = `apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: tcp, port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: db, image: busybox, command: ["sleep", "100000"]}
`;

describe('Services and cluster DNS on real containers', { skip, timeout: 300_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;

  const run = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectl(server!, args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  /** Runs a shell line in a pod; resolves with stdout and the exit code (no throw). */
  const sh = async (pod: string, line: string): Promise<{ out: string; err: string; code: number }> => {
    const r = await kubectl(server!, ['exec', pod, '--', 'sh', '-c', line]);
    return { out: r.stdout, err: r.stderr, code: r.code };
  };
  /** `n` GETs of `url` from `pod`, one hostname line per answered request. */
  const fetchMany = async (pod: string, url: string, n: number): Promise<string[]> => {
    const r = await sh(pod, `for i in $(seq ${n}); do timeout 3 wget -qO- ${url}; done`);
    return r.out.split('\n').filter(Boolean);
  };
  const webPods = async (): Promise<Pod[]> =>
    (await api(server!, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb'))
      .json<{ items: Pod[] }>()
      .items.filter((p) => !p.metadata?.deletionTimestamp);
  const readyAddresses = async (service: string): Promise<string[]> => {
    const slices = (
      await api(server!, 'GET', `/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D${service}`)
    ).json<{ items: EndpointSlice[] }>().items;
    return slices.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses)).sort();
  };

  before(async () => {
    ({ node, server } = await startNodeServer('svc'));
  });

  after(async () => {
    if (server) await deletePodsAndStop(server, node);
    if (node) await destroyTestNode(node);
  });

  test('a pod reaches an exposed Deployment by name, FQDN and ClusterIP, spread over every ready pod', async () => {
    await run(['apply', '-f', '-'], WEB);
    await run(['run', 'client', '--image=busybox', '--', 'sleep', '100000']);
    await run(['expose', 'deployment', 'web', '--port=80', '--target-port=8080']);
    await run(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    await waitPod(server!, 'client', 'Running', (p) => p.status?.phase === 'Running');
    const pods = await webPods();
    const names = pods.map((p) => p.metadata!.name!).sort();
    await eventually('3 ready endpoints', async () => (await readyAddresses('web')).length === 3, 30_000);
    const svc = (await api(server!, 'GET', '/api/v1/namespaces/default/services/web')).json<Service>();
    const clusterIP = svc.spec!.clusterIP!;
    assert.ok(clusterIP.startsWith(node.serviceCidr!.replace(/0\/24$/, '')), `${clusterIP} in ${node.serviceCidr}`);

    const resolv = await sh('client', 'cat /etc/resolv.conf');
    assert.match(resolv.out, new RegExp(`nameserver ${node.serviceCidr!.replace(/0\/24$/, '10')}\\n`));
    assert.match(resolv.out, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
    assert.match(resolv.out, /options ndots:5/);

    for (const url of ['http://web/', 'http://web.default.svc.cluster.local/', `http://${clusterIP}/`]) {
      const r = await sh('client', `timeout 5 wget -qO- ${url}`);
      assert.equal(r.code, 0, `${url}: ${r.err}`);
      assert.ok(names.includes(r.out.trim()), `${url} answered by ${r.out}`);
    }
    const ns = await sh('client', 'timeout 5 nslookup web');
    assert.match(ns.out, new RegExp(`Name:\\s+web\\.default\\.svc\\.cluster\\.local\\nAddress: ${clusterIP.replace(/\./g, '\\.')}`));

    const seen = new Set(await fetchMany('client', `http://${clusterIP}/`, 30));
    assert.deepEqual([...seen].sort(), names, 'every ready pod answered some of 30 requests');
  });

  test('an unready pod stops receiving traffic; a pod reaches its own Service; the NodePort answers', async () => {
    const [unready, other] = await webPods();
    await run(['exec', unready!.metadata!.name!, '--', 'rm', '/www/ready.html']);
    await eventually('the pod leaves the ready endpoints', async () => !(await readyAddresses('web')).includes(unready!.status!.podIP!), 30_000);
    // The slice changed; the proxy applies it within its coalescing window.
    await eventually(
      'no request reaches the unready pod',
      async () => {
        const got = await fetchMany('client', 'http://web/', 20);
        return got.length === 20 && !got.includes(unready!.metadata!.name!);
      },
      15_000,
      500,
    );

    // Hairpin: a backend reaching its own Service sometimes lands on itself.
    const self = other!.metadata!.name!;
    const own = await fetchMany(self, 'http://web/', 20);
    assert.equal(own.length, 20, 'every request from the backend itself answered');
    assert.ok(own.includes(self), `some requests came back to ${self}: ${own.join(',')}`);

    await run(['patch', 'service', 'web', '-p', '{"spec":{"type":"NodePort"}}']);
    const nodePort = (await api(server!, 'GET', '/api/v1/namespaces/default/services/web')).json<Service>().spec!.ports![0]!.nodePort!;
    const gateway = node.subnet.replace(/0\/24$/, '1');
    const fromHost = await eventually(
      "NodePort answers on the node's bridge address",
      async () => httpGet(`http://${gateway}:${nodePort}/`).catch(() => undefined),
      15_000,
      250,
    );
    assert.ok(
      (await webPods()).some((p) => p.metadata!.name === fromHost.trim()),
      `answered by ${fromHost}`,
    );
    const fromPod = await sh('client', `timeout 5 wget -qO- http://${gateway}:${nodePort}/`);
    assert.equal(fromPod.code, 0, fromPod.err);
  });

  test('scaled to 0 the Service refuses connections instead of hanging', async () => {
    await run(['scale', 'deployment', 'web', '--replicas=0']);
    await eventually('no endpoints left', async () => (await readyAddresses('web')).length === 0 && (await webPods()).length === 0, 60_000);
    const r = await eventually(
      'connection refused',
      async () => {
        const res = await sh('client', 'timeout 5 wget -qO- http://web/');
        return /Connection refused/.test(res.err) ? res : undefined;
      },
      15_000,
      500,
    );
    assert.notEqual(r.code, 0);
  });

  test('StatefulSet pods resolve each other by stable name, also after one is recreated', async () => {
    await run(['apply', '-f', '-'], DB);
    const ipOf = async (name: string): Promise<string> =>
      (await waitPod(server!, name, 'Running with an IP', (p) => p.status?.phase === 'Running' && !!p.status.podIP && !p.metadata?.deletionTimestamp)).status!
        .podIP!;
    await ipOf('db-0');
    const before = await ipOf('db-1');
    const lookup = async (): Promise<string> => (await sh('db-0', 'timeout 5 nslookup db-1.db.default.svc.cluster.local')).out;
    await eventually('db-0 resolves db-1', async () => (await lookup()).includes(`Address: ${before}`), 30_000, 500);

    await run(['delete', 'pod', 'db-1', '--wait=false']);
    const afterIp = await eventually(
      'db-1 back with a new IP',
      async () => {
        const p = (await api(server!, 'GET', '/api/v1/namespaces/default/pods/db-1')).json<Pod>();
        return p.status?.phase === 'Running' && p.status.podIP && p.status.podIP !== before && !p.metadata?.deletionTimestamp ? p.status.podIP : undefined;
      },
      60_000,
      250,
    );
    await eventually('db-0 resolves the new db-1', async () => (await lookup()).includes(`Address: ${afterIp}`), 30_000, 500);
  });

  test('stopping the agent removes its nftables table and service route', async () => {
    const table = tableName(node.nodeName);
    assert.equal(spawnSync('nft', ['list', 'table', 'ip', table]).status, 0, 'table present while running');
    await run(['delete', 'statefulset/db', 'deployment/web', '--wait=false']);
    await deletePodsAndStop(server!, node);
    server = undefined;
    assert.notEqual(spawnSync('nft', ['list', 'table', 'ip', table]).status, 0, 'table gone');
    assert.equal(spawnSync('ip', ['route', 'show', node.serviceCidr!], { encoding: 'utf8' }).stdout.trim(), '');
  });
});
