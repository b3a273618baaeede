// The agent's pool of pre-wired pod networks (src/agent/network/network-pool.ts): a new pod takes
// one and behaves as any other pod (its IP, hostname, hostPort, shared loopback); deleting the pod
// releases it; and neither a clean stop nor a crash leaves a netns, veth or IP lease behind.
// Real containers, root only.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { eventually, kubectl, startServer, type TestServer } from '../integration/harness.ts';
import {
  bridgeExists,
  destroyTestNode,
  e2eSkipReason,
  getPod,
  httpGet,
  newTestNode,
  startAgentProcess,
  startNodeServer,
  sweepCrashedRuns,
  waitPod,
  type AgentProcess,
  type TestNode,
} from './e2e-harness.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';

const skip = skipUnlessCI(e2eSkipReason());
/** The agent's default (DEFAULT_NETWORK_POOL in src/agent/agent.ts). */
const POOL_SIZE = 3;

/** Pool networks a pod took: named by the `network-id` file of its sandbox dir. */
function takenNetworks(node: TestNode): Set<string> {
  const pods = join(node.agentDir, 'rt', 'pods');
  const ids = (existsSync(pods) ? readdirSync(pods) : []).map((uid) => join(pods, uid, 'network-id'));
  return new Set(ids.filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8').trim()));
}

/** The pool's ready networks on disk: id → IP, from the CNI results the agent keeps. */
function poolNetworks(node: TestNode): Map<string, string> {
  const dir = join(node.agentDir, 'net', 'results');
  const taken = takenNetworks(node);
  const out = new Map<string, string>();
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    if (!f.startsWith('pool-') || taken.has(f.replace(/\.json$/, ''))) continue;
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { bridge?: { ips?: { address?: string }[] } };
    out.set(f.replace(/\.json$/, ''), r.bridge?.ips?.[0]?.address?.split('/')[0] ?? '');
  }
  return out;
}

/** Network namespace files the agent holds (pods' and the pool's). */
function netnsFiles(node: TestNode): string[] {
  const dir = join(node.agentDir, 'net', 'netns');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Container ids owning an IP in host-local's lease dir. */
function ipLeaseOwners(node: TestNode): string[] {
  const ipam = join(node.agentDir, 'net', 'ipam');
  const owners: string[] = [];
  for (const net of existsSync(ipam) ? readdirSync(ipam) : []) {
    for (const f of readdirSync(join(ipam, net))) {
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(f)) continue;
      owners.push(readFileSync(join(ipam, net, f), 'utf8').split(/\r?\n/)[0] ?? '');
    }
  }
  return owners.sort();
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(dir));
}

async function fullPool(node: TestNode): Promise<Map<string, string>> {
  return eventually(
    'the pool is full',
    async () => {
      const pool = poolNetworks(node);
      const taken = takenNetworks(node);
      const netns = netnsFiles(node).filter((f) => f.startsWith('pool-') && !taken.has(f));
      return pool.size === POOL_SIZE && netns.length === POOL_SIZE ? pool : undefined;
    },
    30_000,
  );
}

function webPod(name: string, node: TestNode, hostPort: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      nodeName: node.nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'web',
          image: 'busybox',
          command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www'],
          ports: [{ containerPort: 80, hostPort }],
        },
        { name: 'client', image: 'busybox', command: ['sleep', '3600'] },
      ],
    },
  };
}

const ready = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

describe('pre-wired pod networks (embedded agent)', { skip, timeout: 150_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;
  const hostPort = 30000 + Math.floor(Math.random() * 20000);

  before(async () => {
    ({ node, server } = await startNodeServer('pool'));
  });

  after(async () => {
    await server?.stop();
    if (node) await destroyTestNode(node);
  });

  test('a new pod takes a pre-wired network: its IP, hostname, hostPort and shared loopback work as before', async () => {
    const pool = await fullPool(node);
    const r = await kubectl(server!, ['apply', '-f', '-'], { input: JSON.stringify(webPod('pooled', node, hostPort)) });
    assert.equal(r.code, 0, r.stderr);
    const pod = await waitPod(server!, 'pooled', 'Ready', ready);
    const ip = pod.status?.podIP ?? '';
    assert.ok([...pool.values()].includes(ip), `pod IP ${ip} is one of the pool's ${[...pool.values()].join(', ')}`);
    assert.equal(pod.status?.podIPs?.[0]?.ip, ip);
    assert.equal((await eventually('page', () => httpGet(`http://${ip}/`), 10_000)).trim(), 'pooled', 'hostname is the pod name');
    assert.equal((await eventually('hostPort', () => httpGet(`http://127.0.0.1:${hostPort}/`), 10_000)).trim(), 'pooled');
    const ex = await kubectl(server!, ['exec', 'pooled', '-c', 'client', '--', 'wget', '-qO-', 'http://127.0.0.1/']);
    assert.equal(ex.code, 0, ex.stderr);
    assert.equal(ex.stdout.trim(), 'pooled', 'the two containers share the network namespace');
    // The pool wires a replacement for the one taken, which stays the pod's.
    const refilled = await fullPool(node);
    assert.equal([...refilled.values()].includes(ip), false);
    assert.equal(takenNetworks(node).size, 1);
  });

  test('deleting the pod releases its network: netns, IP lease and host port', async () => {
    const pod = (await getPod(server!, 'pooled'))!;
    const ip = pod.status!.podIP!;
    const d = await kubectl(server!, ['delete', 'pod', 'pooled', '--wait=true', '--timeout=30s']);
    assert.equal(d.code, 0, d.stderr);
    const pool = await fullPool(node);
    assert.deepEqual(netnsFiles(node).sort(), [...pool.keys()].sort(), 'only the pool netns files are left');
    const shared = join(node.agentDir, 'net', 'shared');
    assert.deepEqual(
      mountsUnder(node.agentDir)
        .filter((m) => !m.startsWith(join(node.agentDir, 'net', 'netns')))
        .sort(),
      [...pool.keys()].flatMap((id) => ['ns-ipc', 'ns-uts', 'shm'].map((f) => join(shared, id, f))).sort(),
      "the only other mounts are the pool's IPC and UTS namespaces and /dev/shm: the pod's are gone",
    );
    assert.deepEqual(ipLeaseOwners(node), [...pool.keys()].sort(), 'only the pool holds IPs');
    assert.equal([...pool.values()].includes(ip), false);
    await assert.rejects(httpGet(`http://127.0.0.1:${hostPort}/`), 'the host port is closed');
  });

  test('a clean stop leaves no netns, mount, veth, bridge or IP lease behind', async () => {
    await fullPool(node);
    await server!.stop();
    server = undefined;
    assert.deepEqual(mountsUnder(node.agentDir), [], 'no mount under the agent dir');
    assert.equal(existsSync(join(node.agentDir, 'net')), false, 'network state (netns files, IPAM leases) removed');
    assert.equal(bridgeExists(node.bridge), false, `bridge ${node.bridge} removed`);
  });
});

describe('pre-wired pod networks after an agent crash', { skip, timeout: 150_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;
  let agent: AgentProcess | undefined;

  before(async () => {
    await sweepCrashedRuns();
    node = await newTestNode('poolcrash');
    server = await startServer({ dataDir: node.dir, args: ['--disable', 'agent'] });
    agent = await startAgentProcess(server, node);
  });

  after(async () => {
    await agent?.stop();
    await server?.stop();
    await destroyTestNode(node);
  });

  test('kill -9 with a full pool: the restarted agent releases the old networks and wires new ones; its stop leaves nothing', async () => {
    const old = await fullPool(node);
    await agent!.kill9();
    assert.deepEqual(netnsFiles(node).sort(), [...old.keys()].sort(), 'a crash leaves the pool behind');

    agent = await startAgentProcess(server!, node);
    const pool = await fullPool(node);
    for (const id of old.keys()) assert.equal(pool.has(id), false, `${id} was released, not reused`);
    assert.deepEqual(netnsFiles(node).sort(), [...pool.keys()].sort(), 'only the new pool netns files');
    assert.deepEqual(ipLeaseOwners(node), [...pool.keys()].sort(), 'only the new pool holds IPs');

    await agent!.stop();
    agent = undefined;
    assert.deepEqual(mountsUnder(node.agentDir), [], 'no mount under the agent dir');
    assert.equal(existsSync(join(node.agentDir, 'net')), false, 'network state removed');
    assert.equal(bridgeExists(node.bridge), false, `bridge ${node.bridge} removed`);
  });
});
