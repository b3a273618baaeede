// `peapod dev cluster --nodes 2 --etcd 3 --servers 2` (its library; run under
// `flock /tmp/peapod-devcluster.lock`, one dev cluster per machine): a Deployment runs on both
// nodes; then the API server the agents and the kubeconfig talk to is killed, and one etcd member
// with it. Through the surviving server kubectl still works, the nodes stay Ready (the agents
// failed over), the running pods stay Running, and a scale-up is scheduled (by the scheduler that
// took over the lease) and run on the nodes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { devClusterSkipReason, PREFIX, startDevCluster, type DevCluster } from '../../src/dev/cluster.ts';
import { eventually, kubectlOk } from '../integration/harness.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';

const skip = skipUnlessCI(devClusterSkipReason() || (spawnSync('etcd', ['--version']).status === 0 ? false : 'needs etcd (Debian etcd-server)'));
// Short leader-election leases keep the take-over quick; the defaults behave the same, slower.
const ELECTION = ['--leader-elect-lease-duration', '4s', '--leader-elect-renew-deadline', '3s', '--leader-elect-retry-period', '1s'];

const DEPLOYMENT = (replicas: number): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: survivor}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: survivor}}
  template:
    metadata: {labels: {app: survivor}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        imagePullPolicy: Never
        command: ["sh", "-c", "exec sleep 100000"]
`;

describe('dev cluster on 3 etcd members and 2 API servers', { skip }, () => {
  let cluster: DevCluster | undefined;

  before(async () => {
    cluster = await startDevCluster({
      nodes: 2,
      etcd: 3,
      servers: 2,
      dataDir: join(tmpdir(), `${PREFIX}e2e-etcd`),
      profile: 'fast',
      serverArgs: ELECTION,
      env: { PEAPOD_LOG_LEVEL: process.env.PEAPOD_LOG_LEVEL ?? 'warn' },
      progress: (l) => process.env.PEAPOD_TEST_VERBOSE && process.stderr.write(`${l}\n`),
    });
  });

  after(async () => {
    await cluster?.stop();
    assert.doesNotMatch(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, new RegExp(PREFIX));
    assert.doesNotMatch(spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout, new RegExp(`etcd .*${PREFIX}e2e-etcd`));
  });

  test('pods keep running and kubectl works through the surviving server after a server and an etcd member die', { timeout: 120_000 }, async () => {
    const first = { kubeconfig: cluster!.kubeconfig };
    const second = { kubeconfig: join(cluster!.servers[1]!.dataDir, 'kubeconfig.yaml') };
    const running = (p: Pod): boolean => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running';
    const pods = async (target: typeof first): Promise<Pod[]> =>
      (JSON.parse(await kubectlOk(target, ['get', 'pods', '-l', 'app=survivor', '-o', 'json'])) as { items: Pod[] }).items;

    await kubectlOk(first, ['apply', '-f', '-'], DEPLOYMENT(4));
    const before = await eventually(
      '4 pods Running',
      async () => {
        const list = await pods(first);
        return list.length === 4 && list.every(running) ? list : undefined;
      },
      60_000,
      250,
    );
    assert.equal(new Set(before.map((p) => p.spec?.nodeName)).size, 2, 'the pods use both nodes');

    // The server every agent and the first kubeconfig name first, and one etcd member.
    await cluster!.servers[0]!.kill();
    await cluster!.etcd!.members[2]!.kill();
    const killedAt = Date.now();

    const scaled = await kubectlOk(second, ['scale', 'deployment', 'survivor', '--replicas=6']);
    assert.match(scaled, /deployment.apps\/survivor scaled/);
    const after = await eventually(
      '6 pods Running through the surviving server',
      async () => {
        const list = await pods(second);
        return list.length === 6 && list.every(running) ? list : undefined;
      },
      60_000,
      250,
    );
    const uids = new Set(after.map((p) => p.metadata?.uid));
    for (const p of before) assert.ok(uids.has(p.metadata?.uid), `${p.metadata?.name} was replaced instead of kept running`);

    // The agents renew their node Leases through the surviving server (they failed over).
    await eventually(
      'both node leases renewed after the kill',
      async () => {
        const leases = (JSON.parse(await kubectlOk(second, ['get', 'lease', '-n', 'kube-node-lease', '-o', 'json'])) as { items: Lease[] }).items;
        const renewed = leases.filter(
          (l) => cluster!.hosts.some((h) => h.nodeName === l.metadata?.name) && Date.parse(l.spec?.renewTime ?? '') > killedAt + 1000,
        );
        return renewed.length === 2;
      },
      30_000,
      500,
    );
    const nodes = (JSON.parse(await kubectlOk(second, ['get', 'nodes', '-o', 'json'])) as { items: Node[] }).items;
    for (const n of nodes) {
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      assert.equal(ready?.status, 'True', `${n.metadata?.name} is ${ready?.status} (${ready?.reason})`);
    }
    assert.match(await kubectlOk(second, ['get', 'lease', '-n', 'kube-system', 'kube-scheduler']), /kube-scheduler/);
  });
});
