// An agent given two API servers (`peapod agent --server https://a,https://b`, k3s agents' client
// side load balancer) outlives the one it talks to: after server A is killed the node's Lease is
// still renewed, its running pod stays Running, and pods created and deleted afterwards through B
// are run and torn down by the agent, whose watches continued on B. Hollow runtime: no root.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { type EtcdCluster, startEtcd } from '../../src/storage/etcd/etcd-process.ts';
import { api, eventually, kubectlOk, startServer, type TestServer } from './harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE = 'failover-node';
const ELECTION = ['--leader-elect-lease-duration', '4s', '--leader-elect-renew-deadline', '3s', '--leader-elect-retry-period', '1s'];

describe('an agent with two API servers', { skip: etcdSkipReason() }, () => {
  let etcd: EtcdCluster;
  let a: TestServer;
  let b: TestServer;
  let agent: ChildProcess;
  let agentErr = '';
  const dirs: string[] = [];
  const tmp = (prefix: string): string => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };

  before(async () => {
    etcd = await startEtcd({ members: 1 });
    const args = ['--etcd-servers', etcd.endpoints.join(','), '--disable', 'agent', ...ELECTION];
    a = await startServer({ dataDir: tmp('peapod-failover-a-'), args });
    const bDir = tmp('peapod-failover-b-');
    mkdirSync(join(bDir, 'pki'), { recursive: true });
    for (const f of ['pki/ca.crt', 'pki/ca.key', 'pki/sa.key', 'admin.token', 'node-token']) copyFileSync(join(a.dataDir, f), join(bDir, f));
    b = await startServer({ dataDir: bDir, args });
    agent = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/peapod.js'),
        'agent',
        '--runtime',
        'hollow',
        '--server',
        `${a.url},${b.url}`,
        '--ca-file',
        join(a.dataDir, 'pki', 'ca.crt'),
        '--node-name',
        NODE,
        '--data-dir',
        tmp('peapod-failover-agent-'),
        '--agent-port',
        '0',
        '--node-ip',
        '127.0.0.1',
        '--node-lease-renew-interval',
        '1s',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PEAPOD_TOKEN: readFileSync(join(a.dataDir, 'node-token'), 'utf8').trim() } },
    );
    agent.stdout!.resume();
    agent.stderr!.on('data', (d: Buffer) => (agentErr += d.toString()));
  });

  after(async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      agent.kill('SIGTERM');
      await once(agent, 'exit');
    }
    await a?.stop();
    await b?.stop();
    await etcd?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const podPhase = async (server: TestServer, name: string): Promise<string | undefined> => {
    const r = await api(server, 'GET', `/api/v1/namespaces/default/pods/${name}`);
    return r.status === 200 ? r.json<Pod>().status?.phase : undefined;
  };
  const createPod = async (server: TestServer, name: string): Promise<void> => {
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const r = await api(server, 'POST', '/api/v1/namespaces/default/pods', { body: pod });
    assert.equal(r.status, 201, r.body);
  };
  const renewTime = async (server: TestServer): Promise<number> =>
    Date.parse((await api(server, 'GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`)).json<Lease>().spec?.renewTime ?? '');

  it('keeps its node Ready and its pods running when the server it talks to dies', async () => {
    await eventually(
      'node Ready',
      async () => {
        const r = await api(a, 'GET', `/api/v1/nodes/${NODE}`);
        return r.status === 200 && r.json<Node>().status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      60_000,
    ).catch((e: Error) => assert.fail(`${e.message}\nagent stderr:\n${agentErr}`));
    await createPod(a, 'before');
    await eventually('pod before Running', async () => (await podPhase(a, 'before')) === 'Running', 60_000);

    // The agent talks to A (named first); killing A cuts its watches and its lease renewals.
    await a.kill9();
    const killedAt = Date.now();

    await eventually('node lease renewed through B after A died', async () => (await renewTime(b)) > killedAt + 1000, 30_000).catch((e: Error) =>
      assert.fail(`${e.message}\nagent stderr:\n${agentErr}`),
    );
    await createPod(b, 'after');
    await eventually("pod after Running (scheduled by B's scheduler, run by the agent)", async () => (await podPhase(b, 'after')) === 'Running', 60_000).catch(
      (e: Error) => assert.fail(`${e.message}\nagent stderr:\n${agentErr}`),
    );
    assert.equal(await podPhase(b, 'before'), 'Running');

    // A delete through B needs the agent to see it (its pod watch) and confirm it (a write).
    assert.equal((await api(b, 'DELETE', '/api/v1/namespaces/default/pods/before')).status, 200);
    await eventually('pod before gone', async () => (await api(b, 'GET', '/api/v1/namespaces/default/pods/before')).status === 404, 60_000);

    const table = await kubectlOk(b, ['get', 'node', NODE]);
    assert.match(table, new RegExp(`${NODE}\\s+Ready\\s`));
    assert.equal(agent.exitCode, null, `the agent exited:\n${agentErr}`);
  });
});

function etcdSkipReason(): string | false {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'etcd is not installed (Debian etcd-server; scripts/install-deps.sh installs it)';
  }
}
