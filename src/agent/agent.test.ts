// The agent against a real `peapod server` (its embedded agent disabled), on the hollow runtime so
// it needs neither root nor container packages: node registration, lease, pod lifecycle through
// the API (status, events, deletion), restart and the one-agent-per-dir lock.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createClient, type Client } from '../client/index.ts';
import { api, eventually, kubectl, startServer, type TestServer } from '../../test/integration/harness.ts';
import { startAgent, type Agent } from './agent.ts';
import { CONTROL_PLANE_LABEL } from './node-name.ts';
import { HOLLOW_EXIT_AFTER, HOLLOW_EXIT_CODE } from './hollow/index.ts';

const NODE = 'hollow-1';

describe('agent (hollow runtime) against a real server', { timeout: 90_000 }, () => {
  let server: TestServer;
  let client: Client;
  let dataDir: string;
  let abort: AbortController;
  let agent: Agent;
  const logs: string[] = [];

  const start = (signal: AbortSignal): Promise<Agent> =>
    startAgent({
      client,
      nodeName: NODE,
      dataDir,
      runtime: 'hollow',
      podCidr: '10.42.7.0/24',
      nodeIp: '192.0.2.77',
      labels: { [CONTROL_PLANE_LABEL]: '' },
      taints: [{ key: CONTROL_PLANE_LABEL, effect: 'NoSchedule' }],
      signal,
      log: (m) => logs.push(m),
    });

  before(async () => {
    server = await startServer({ args: ['--disable', 'agent'] });
    client = createClient({ server: server.url, token: server.token, ca: server.ca });
    dataDir = await mkdtemp(join(tmpdir(), 'peapod-agent-test-'));
    abort = new AbortController();
    agent = await start(abort.signal);
  });

  after(async () => {
    abort?.abort();
    await agent?.stopped;
    client?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('registers a Ready node with labels, taint, podCIDR, runtime version and a lease', async () => {
    const r = await kubectl(server, ['get', 'node', NODE, '-o', 'wide', '--no-headers']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^hollow-1\s+Ready\s+control-plane\s+\S+\s+v1\.32\.4-peapod\s+192\.0\.2\.77\s/);
    const node = (await api(server, 'GET', `/api/v1/nodes/${NODE}`)).json<{
      spec: { podCIDR: string; taints: unknown[] };
      status: { nodeInfo: { containerRuntimeVersion: string } };
    }>();
    assert.equal(node.spec.podCIDR, '10.42.7.0/24');
    assert.deepEqual(node.spec.taints, [{ key: CONTROL_PLANE_LABEL, effect: 'NoSchedule' }]);
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^hollow:\/\//);
    const lease = (await api(server, 'GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`)).json<{
      spec: { holderIdentity: string; leaseDurationSeconds: number };
    }>();
    assert.equal(lease.spec.holderIdentity, NODE);
    assert.equal(lease.spec.leaseDurationSeconds, 40);
  });

  test('a pod bound to the node runs: Ready, pod IP from the node CIDR, hostIP, kubelet events', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'busybox' }] } };
    assert.equal((await kubectl(server, ['apply', '-f', '-'], { input: JSON.stringify(pod) })).code, 0);
    const w = await kubectl(server, ['wait', '--for=condition=Ready', 'pod/p1', '--timeout=30s']);
    assert.equal(w.code, 0, w.stderr);
    const p = (await api(server, 'GET', '/api/v1/namespaces/default/pods/p1')).json<Pod>();
    assert.match(p.status?.podIP ?? '', /^10\.42\.7\.\d+$/);
    assert.equal(p.status?.hostIP, '192.0.2.77');
    const events = await eventually('Started event', async () => {
      const list = (await api(server, 'GET', '/api/v1/namespaces/default/events')).json<{
        items: { reason: string; involvedObject: { name: string }; source: { component: string; host: string } }[];
      }>();
      return list.items.find((e) => e.reason === 'Started' && e.involvedObject.name === 'p1');
    });
    assert.deepEqual(events.source, { component: 'kubelet', host: NODE });
  });

  test('a container that fails with restartPolicy Never ends the pod Failed', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p-fail', annotations: { [HOLLOW_EXIT_AFTER]: '0', [HOLLOW_EXIT_CODE]: '2' } },
      spec: { nodeName: NODE, restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
    };
    assert.equal((await kubectl(server, ['apply', '-f', '-'], { input: JSON.stringify(pod) })).code, 0);
    const p = await eventually('Failed', async () => {
      const got = (await api(server, 'GET', '/api/v1/namespaces/default/pods/p-fail')).json<Pod>();
      return got.status?.phase === 'Failed' ? got : undefined;
    });
    assert.equal(p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 2);
  });

  test('kubectl delete waits until the agent stopped the pod and finished the deletion', async () => {
    const d = await kubectl(server, ['delete', 'pod', 'p1', '--timeout=30s']);
    assert.equal(d.code, 0, d.stderr);
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/default/pods/p1')).status, 404);
  });

  test('one agent per data dir; after a stop the same dir starts again and the node stays registered', async () => {
    const second = new AbortController();
    await assert.rejects(start(second.signal), /another agent \(pid \d+\) is using/);
    abort.abort();
    await agent.stopped;
    abort = new AbortController();
    agent = await start(abort.signal);
    const r = await kubectl(server, ['get', 'nodes', '--no-headers']);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    assert.match(r.stdout, /^hollow-1\s+Ready/);
    assert.ok(!logs.some((l) => /failed/.test(l)), logs.join('\n'));
  });
});
