// Services against a real `peapod server` (scheduler and agent off; the node player binds pods
// and makes them Ready): the system Services, `kubectl expose`, EndpointSlices and Endpoints
// following pod readiness, upstream errors for bad input, and services/proxy to a loopback backend.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { api, eventually, kubectl, startServer, type TestServer } from './harness.ts';
import { NEVER_READY_LABEL, startNodePlayer, type NodePlayer } from './node-player.ts';

let server: TestServer;
let player: NodePlayer;
const NS = 'svc-test';

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(server, args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function fails(args: string[], input?: string): Promise<string> {
  const r = await kubectl(server, args, input === undefined ? {} : { input });
  assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should fail: ${r.stdout}`);
  return r.stderr;
}

async function get<T>(path: string): Promise<T | undefined> {
  const r = await api(server, 'GET', path);
  if (r.status === 404) return undefined;
  assert.equal(r.status, 200, r.body);
  return r.json<T>();
}

const slicesOf = async (svc: string): Promise<EndpointSlice[]> =>
  (
    await get<{ items: EndpointSlice[] }>(
      `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${svc}`)}`,
    )
  )?.items ?? [];
const endpointsOf = (svc: string) => get<Endpoints>(`/api/v1/namespaces/${NS}/endpoints/${svc}`);
const allEndpoints = (slices: EndpointSlice[]) => slices.flatMap((s) => s.endpoints ?? []);

function deployment(name: string, replicas: number, extra: { labels?: Record<string, string>; ports?: string } = {}): string {
  const labels = { app: name, ...(extra.labels ?? {}) };
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${NS}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: ${JSON.stringify(labels)}}
    spec:
      containers:
      - name: web
        image: busybox
        ${extra.ports ?? 'ports: [{containerPort: 8080, name: http}]'}
`;
}

before(async () => {
  server = await startServer({ args: ['--disable', 'agent,scheduler'] });
  player = await startNodePlayer({ server, namespace: NS });
  await ok(['create', 'namespace', NS]);
});

after(async () => {
  await player?.stop();
  await server?.stop();
});

describe('system services', () => {
  it('kubernetes points at the API server and kube-dns sits at the 10th address', async () => {
    const out = await ok(['get', 'svc', '-A']);
    assert.match(out, /default\s+kubernetes\s+ClusterIP\s+10\.43\.0\.1\s+<none>\s+443\/TCP/);
    assert.match(out, /kube-system\s+kube-dns\s+ClusterIP\s+10\.43\.0\.10\s+<none>\s+53\/UDP,53\/TCP,9153\/TCP/);
    const port = new URL(server.url).port;
    assert.match(await ok(['get', 'endpoints', 'kubernetes']), new RegExp(`kubernetes\\s+127\\.0\\.0\\.1:${port}\\s`));
    const dns = await get<Service>('/api/v1/namespaces/kube-system/services/kube-dns');
    assert.deepEqual(dns?.spec?.selector, { 'k8s-app': 'kube-dns' });
    assert.deepEqual(
      dns?.spec?.ports?.map((p) => `${p.name}:${p.port}/${p.protocol}`),
      ['dns:53/UDP', 'dns-tcp:53/TCP', 'metrics:9153/TCP'],
    );
  });
});

describe('kubectl expose and endpoints', () => {
  it('expose deployment: ClusterIP service, endpoints and slices of the ready pods', async () => {
    await ok(['apply', '-f', '-'], deployment('web', 3));
    assert.match(await ok(['-n', NS, 'expose', 'deployment', 'web', '--port=80', '--target-port=8080']), /service\/web exposed/);
    const svc = (await get<Service>(`/api/v1/namespaces/${NS}/services/web`))!;
    assert.match(svc.spec?.clusterIP ?? '', /^10\.43\.\d+\.\d+$/);
    assert.deepEqual(svc.spec?.selector, { app: 'web' });
    assert.equal(svc.spec?.sessionAffinity, 'None');
    assert.equal(svc.spec?.internalTrafficPolicy, 'Cluster');
    assert.deepEqual(svc.spec?.ipFamilies, ['IPv4']);
    const slices = await eventually('3 ready endpoints in the slice', async () => {
      const s = await slicesOf('web');
      return allEndpoints(s).filter((e) => e.conditions?.ready).length === 3 ? s : undefined;
    });
    assert.equal(slices.length, 1);
    const slice = slices[0]!;
    assert.equal(slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(slice.metadata?.ownerReferences?.[0]?.kind, 'Service');
    assert.deepEqual(slice.ports, [{ name: '', port: 8080, protocol: 'TCP' }]);
    for (const e of slice.endpoints ?? []) {
      assert.equal(e.targetRef?.kind, 'Pod');
      assert.equal(e.nodeName, 'player-node');
      assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
    }
    const eps = await eventually('3 addresses in the Endpoints', async () => {
      const e = await endpointsOf('web');
      return (e?.subsets?.[0]?.addresses ?? []).length === 3 ? e : undefined;
    });
    assert.deepEqual(eps.subsets?.[0]?.ports, [{ port: 8080, protocol: 'TCP' }]);
    const table = await ok(['-n', NS, 'get', 'svc,endpoints,endpointslices']);
    assert.match(table, new RegExp(`service/web\\s+ClusterIP\\s+${svc.spec!.clusterIP!.replace(/\./g, '\\.')}\\s+<none>\\s+80/TCP`));
    assert.match(table, /endpoints\/web\s+10\.99\.\d+\.\d+:8080,10\.99\.\d+\.\d+:8080,10\.99\.\d+\.\d+:8080\s/);
    assert.match(table, /endpointslice\.discovery\.k8s\.io\/web-\w{5}\s+IPv4\s+8080\s+10\.99\./);
    const describe = await ok(['-n', NS, 'describe', 'svc', 'web']);
    assert.match(describe, /Selector:\s+app=web/);
    assert.match(describe, /TargetPort:\s+8080\/TCP/);
    assert.match(describe, /Endpoints:\s+10\.99\.\d+\.\d+:8080,10\.99\.\d+\.\d+:8080,10\.99\.\d+\.\d+:8080/);
  });

  it('a pod that is not ready is listed not ready; a terminating one as terminating', async () => {
    await ok(['apply', '-f', '-'], deployment('slow', 1, { labels: { [NEVER_READY_LABEL]: 'false' } }));
    await ok(['-n', NS, 'create', 'service', 'clusterip', 'slow', '--tcp=80:http']);
    await ok(['-n', NS, 'patch', 'svc', 'slow', '-p', '{"spec":{"selector":{"app":"slow"}}}']);
    const ep = await eventually('an unready endpoint', async () => allEndpoints(await slicesOf('slow'))[0]);
    assert.deepEqual(ep.conditions, { ready: false, serving: false, terminating: false });
    // Named targetPort resolved through the pod's container port.
    assert.equal((await slicesOf('slow'))[0]?.ports?.[0]?.port, 8080);
    const eps = await eventually('a not-ready address', async () => (await endpointsOf('slow'))?.subsets?.[0]?.notReadyAddresses?.length === 1);
    assert.ok(eps);
    // publishNotReadyAddresses makes it ready.
    await ok(['-n', NS, 'patch', 'svc', 'slow', '-p', '{"spec":{"publishNotReadyAddresses":true}}']);
    await eventually('published as ready', async () => allEndpoints(await slicesOf('slow'))[0]?.conditions?.ready === true);
    await ok(['-n', NS, 'patch', 'svc', 'slow', '-p', '{"spec":{"publishNotReadyAddresses":false}}']);
    await ok([
      '-n',
      NS,
      'patch',
      'deployment',
      'slow',
      '--type=json',
      '-p',
      `[{"op":"remove","path":"/spec/template/metadata/labels/${NEVER_READY_LABEL.replace('/', '~1')}"}]`,
    ]);
    await eventually('the new pod ready', async () => allEndpoints(await slicesOf('slow')).some((e) => e.conditions?.ready));
    // Terminating: deletion held by the node player.
    player.holdDeletions = true;
    try {
      const pods = (await get<{ items: Pod[] }>(`/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dweb`))!.items;
      const victim = pods[0]!.metadata!.name!;
      await ok(['-n', NS, 'delete', 'pod', victim, '--wait=false']);
      const term = await eventually('a terminating endpoint', async () =>
        allEndpoints(await slicesOf('web')).find((e) => e.targetRef?.name === victim && e.conditions?.terminating),
      );
      assert.deepEqual(term.conditions, { ready: false, serving: true, terminating: true });
      await eventually(
        'terminating pod left out of Endpoints',
        async () =>
          !(await endpointsOf('web'))?.subsets?.some((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].some((a) => a.targetRef?.name === victim)),
      );
    } finally {
      player.holdDeletions = false;
    }
  });

  it('more than 100 endpoints are split into slices of at most 100', async () => {
    await ok(['apply', '-f', '-'], deployment('many', 130));
    await ok(['-n', NS, 'expose', 'deployment', 'many', '--port=80', '--target-port=8080']);
    const slices = await eventually(
      '130 endpoints',
      async () => {
        const s = await slicesOf('many');
        return allEndpoints(s).filter((e) => e.conditions?.ready).length === 130 ? s : undefined;
      },
      90_000,
    );
    assert.equal(slices.length, 2);
    for (const s of slices) assert.ok((s.endpoints ?? []).length <= 100);
    const ips = allEndpoints(slices).map((e) => e.addresses[0]);
    assert.equal(new Set(ips).size, 130);
    await ok(['-n', NS, 'scale', 'deployment', 'many', '--replicas=0']);
    const placeholder = await eventually(
      'one empty placeholder slice',
      async () => {
        const s = await slicesOf('many');
        return s.length === 1 && allEndpoints(s).length === 0 ? s : undefined;
      },
      60_000,
    );
    assert.equal(placeholder.length, 1);
  });
});

describe('kubectl create service and bad input', () => {
  it('create service nodeport, then the same node port is refused', async () => {
    assert.match(await ok(['-n', NS, 'create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080']), /service\/np created/);
    assert.match(await ok(['-n', NS, 'get', 'svc', 'np']), /np\s+NodePort\s+10\.43\.\d+\.\d+\s+<none>\s+80:30080\/TCP/);
    const err = await fails(['-n', NS, 'create', 'service', 'nodeport', 'np2', '--tcp=80:8080', '--node-port=30080']);
    assert.match(err, /Service "np2" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated/);
    assert.match(await fails(['-n', NS, 'get', 'svc', 'np2']), /not found/);
    const out = await fails(['-n', NS, 'create', 'service', 'nodeport', 'np3', '--tcp=80:8080', '--node-port=8080']);
    assert.match(out, /spec\.ports\[0\]\.nodePort: Invalid value: 8080: provided port is not in the valid range\. The range of valid ports is 30000-32767/);
    // Deleting np frees its port.
    await ok(['-n', NS, 'delete', 'svc', 'np']);
    await ok(['-n', NS, 'create', 'service', 'nodeport', 'np4', '--tcp=80:8080', '--node-port=30080']);
  });

  it('an IP outside the range, a taken IP and a clusterIP change get upstream errors', async () => {
    let err = await fails(['-n', NS, 'create', 'service', 'clusterip', 'out', '--tcp=80', '--clusterip=10.0.0.1']);
    assert.match(
      err,
      /Service "out" is invalid: spec\.clusterIPs: Invalid value: \[\]string\{"10\.0\.0\.1"\}: failed to allocate IP 10\.0\.0\.1: the provided IP \(10\.0\.0\.1\) is not in the valid range\. The range of valid IPs is 10\.43\.0\.0\/16/,
    );
    await ok(['-n', NS, 'create', 'service', 'clusterip', 'fixed', '--tcp=80', '--clusterip=10.43.0.20']);
    err = await fails(['-n', NS, 'create', 'service', 'clusterip', 'fixed2', '--tcp=80', '--clusterip=10.43.0.20']);
    assert.match(err, /failed to allocate IP 10\.43\.0\.20: provided IP is already allocated/);
    err = await fails(['-n', NS, 'patch', 'svc', 'fixed', '-p', '{"spec":{"clusterIP":"10.43.0.21","clusterIPs":["10.43.0.21"]}}']);
    assert.match(err, /spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.43\.0\.21"\}: may not change once set/);
    // The refused change allocated nothing: 10.43.0.21 is still free.
    await ok(['-n', NS, 'create', 'service', 'clusterip', 'fixed3', '--tcp=80', '--clusterip=10.43.0.21']);
  });

  it('type changes take and give back node ports and IPs; a replace without them keeps them', async () => {
    await ok(['-n', NS, 'create', 'service', 'nodeport', 'morph', '--tcp=80:8080', '--node-port=30100']);
    const ip = (await get<Service>(`/api/v1/namespaces/${NS}/services/morph`))!.spec!.clusterIP!;
    // A PUT without clusterIP and nodePort keeps both (kubectl replace of an edited manifest).
    const edited = (await get<Service>(`/api/v1/namespaces/${NS}/services/morph`))!;
    delete (edited.spec as Record<string, unknown>).clusterIP;
    delete (edited.spec as Record<string, unknown>).clusterIPs;
    for (const p of edited.spec!.ports!) delete (p as { nodePort?: number }).nodePort;
    await ok(['replace', '-f', '-'], JSON.stringify(edited));
    let now = (await get<Service>(`/api/v1/namespaces/${NS}/services/morph`))!;
    assert.equal(now.spec?.clusterIP, ip);
    assert.equal(now.spec?.ports?.[0]?.nodePort, 30100);
    await ok(['-n', NS, 'patch', 'svc', 'morph', '-p', '{"spec":{"type":"ClusterIP"}}']);
    now = (await get<Service>(`/api/v1/namespaces/${NS}/services/morph`))!;
    assert.equal(now.spec?.ports?.[0]?.nodePort, undefined);
    await ok(['-n', NS, 'create', 'service', 'nodeport', 'morph2', '--tcp=80:8080', '--node-port=30100']);
    await ok(['-n', NS, 'patch', 'svc', 'morph', '-p', '{"spec":{"type":"ExternalName","externalName":"example.com"}}']);
    now = (await get<Service>(`/api/v1/namespaces/${NS}/services/morph`))!;
    assert.equal(now.spec?.clusterIP, undefined);
    assert.match(await ok(['-n', NS, 'get', 'svc', 'morph']), /morph\s+ExternalName\s+<none>\s+example\.com/);
    await ok(['-n', NS, 'create', 'service', 'clusterip', 'morph3', '--tcp=80', `--clusterip=${ip}`]);
  });

  it('invalid ports are refused with upstream field errors and nothing is stored', async () => {
    const bad = (spec: string) => `apiVersion: v1
kind: Service
metadata: {name: bad, namespace: ${NS}}
spec: ${spec}
`;
    let err = await fails(['create', '-f', '-'], bad('{ports: [{port: 0}]}'));
    assert.match(err, /spec\.ports\[0\]\.port: Invalid value: 0: must be between 1 and 65535, inclusive/);
    err = await fails(['create', '-f', '-'], bad('{ports: [{port: 80}, {port: 81}]}'));
    assert.match(err, /spec\.ports\[0\]\.name: Required value/);
    err = await fails(['create', '-f', '-'], bad('{ports: [{name: a, port: 80}, {name: a, port: 81}]}'));
    assert.match(err, /spec\.ports\[1\]\.name: Duplicate value: "a"/);
    err = await fails(['create', '-f', '-'], bad('{ports: [{port: 80, protocol: ICMP}]}'));
    assert.match(err, /spec\.ports\[0\]\.protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"/);
    err = await fails(['create', '-f', '-'], bad('{ports: [{port: 80, targetPort: 70000}]}'));
    assert.match(err, /spec\.ports\[0\]\.targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive/);
    err = await fails(['create', '-f', '-'], bad('{type: ExternalName}'));
    assert.match(err, /spec\.externalName: Required value/);
    err = await fails(['create', '-f', '-'], bad('{type: Fancy, ports: [{port: 80}]}'));
    assert.match(err, /spec\.type: Unsupported value: "Fancy": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"/);
    err = await fails(['create', '-f', '-'], bad('{ports: [{port: 80, nodePort: 30500}]}'));
    assert.match(err, /spec\.ports\[0\]\.nodePort: Forbidden: may not be used when `type` is 'ClusterIP'/);
    assert.match(await fails(['-n', NS, 'get', 'svc', 'bad']), /not found/);
  });

  it('ClientIP affinity gets the 3-hour default timeout; headless services keep None', async () => {
    await ok(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: Service
metadata: {name: sticky, namespace: ${NS}}
spec: {sessionAffinity: ClientIP, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: headless, namespace: ${NS}}
spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
`,
    );
    const sticky = (await get<Service>(`/api/v1/namespaces/${NS}/services/sticky`))!;
    assert.equal(sticky.spec?.sessionAffinityConfig?.clientIP?.timeoutSeconds, 10800);
    assert.match(await ok(['-n', NS, 'get', 'svc', 'headless']), /headless\s+ClusterIP\s+None\s+<none>\s+80\/TCP/);
    const slices = await eventually('headless slices', async () => {
      const s = await slicesOf('headless');
      return allEndpoints(s).length >= 2 ? s : undefined;
    });
    assert.equal(slices[0]?.metadata?.labels?.['service.kubernetes.io/headless'], '');
  });
});

describe('LoadBalancer', () => {
  it("gets node ports and the Ready nodes' InternalIPs as ingress", async () => {
    await ok(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: Node
metadata: {name: lb-node}
`,
    );
    await ok([
      'patch',
      'node',
      'lb-node',
      '--subresource=status',
      '-p',
      JSON.stringify({
        status: {
          addresses: [{ type: 'InternalIP', address: '127.0.0.42' }],
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'ok',
              lastHeartbeatTime: new Date().toISOString(),
              lastTransitionTime: new Date().toISOString(),
            },
          ],
        },
      }),
    ]);
    await ok(['-n', NS, 'create', 'service', 'loadbalancer', 'lb', '--tcp=80:8080']);
    const out = await eventually('an external IP', async () => {
      const o = await ok(['-n', NS, 'get', 'svc', 'lb']);
      return /127\.0\.0\.42/.test(o) ? o : undefined;
    });
    assert.match(out, /lb\s+LoadBalancer\s+10\.43\.\d+\.\d+\s+127\.0\.0\.42\s+80:3\d{4}\/TCP/);
    const svc = (await get<Service>(`/api/v1/namespaces/${NS}/services/lb`))!;
    assert.equal(svc.spec?.externalTrafficPolicy, 'Cluster');
    assert.equal(svc.spec?.allocateLoadBalancerNodePorts, true);
  });
});

describe('services/proxy', () => {
  let backend: Server;
  before(async () => {
    backend = createServer((req, res) => res.end(`hello from backend ${req.url}`));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  });
  after(() => new Promise<void>((r) => backend.close(() => r())));

  it('forwards to a ready endpoint of the service port', async () => {
    const port = (backend.address() as AddressInfo).port;
    await ok(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: Service
metadata: {name: manual, namespace: ${NS}}
spec: {ports: [{name: http, port: 80, targetPort: ${port}}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: manual, namespace: ${NS}}
subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{name: http, port: ${port}}]}]
`,
    );
    assert.equal(await ok(['get', '--raw', `/api/v1/namespaces/${NS}/services/manual:80/proxy/x?y=1`]), 'hello from backend /x?y=1');
    // Hand-written Endpoints of a selector-less Service are mirrored into an EndpointSlice.
    const mirrored = await eventually('a mirrored slice', async () => (await slicesOf('manual'))[0]);
    assert.equal(mirrored.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.deepEqual(
      mirrored.endpoints?.map((e) => [e.addresses[0], e.conditions?.ready]),
      [['127.0.0.1', true]],
    );
    assert.deepEqual(mirrored.ports, [{ name: 'http', port, protocol: 'TCP' }]);
    assert.equal(await ok(['get', '--raw', `/api/v1/namespaces/${NS}/services/manual:http/proxy/`]), 'hello from backend /');
    const err = await fails(['get', '--raw', `/api/v1/namespaces/${NS}/services/manual:81/proxy/`]);
    assert.match(err, /no service port 81 found for service "manual"/);
    await ok(['apply', '-f', '-'], deployment('empty', 0));
    await ok(['-n', NS, 'expose', 'deployment', 'empty', '--port=80']);
    await eventually('empty endpoints', async () => (await endpointsOf('empty')) !== undefined);
    assert.match(await fails(['get', '--raw', `/api/v1/namespaces/${NS}/services/empty:80/proxy/`]), /no endpoints available for service "empty"/);
  });
});
