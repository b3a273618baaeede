// A 3-node cluster on this machine (`peapod dev cluster`'s library: every agent in its own network
// and PID namespace, host-gw routes between the nodes' pod CIDRs): a Deployment spread over the
// nodes, a pod on one node fetching a page from a pod on another by pod IP, and the death of a
// node — its host's init killed, so its agent and containers die with it. With the fast profile
// (`peapod dev cluster --profile fast`: only the server is told; the agents learn their 750 ms lease
// renewal from it) the surviving nodes stay Ready and keep their pods, the lost Deployment pods
// come back on the other nodes with new UIDs, the StatefulSet pod that was there comes back with
// its old name, and the dead node shows NotReady with the unreachable taint.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { devClusterSkipReason, PREFIX, startDevCluster, type DevCluster, type DevHost } from '../../src/dev/cluster.ts';
import { eventually, kubectlOk } from '../integration/harness.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';

const skip = skipUnlessCI(devClusterSkipReason());

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: DoNotSchedule
        nodeTaintsPolicy: Honor
        labelSelector: {matchLabels: {app: web}}
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: busybox
        imagePullPolicy: Never
        command: ["sh", "-c", "mkdir -p /www && echo page-from-$(hostname) > /www/index.html && exec httpd -f -p 80 -h /www"]
        readinessProbe:
          tcpSocket: {port: 80}
          periodSeconds: 1
`;

const STATEFULSET = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: DoNotSchedule
        nodeTaintsPolicy: Honor
        labelSelector: {matchLabels: {app: db}}
      terminationGracePeriodSeconds: 1
      containers:
      - name: db
        image: busybox
        imagePullPolicy: Never
        command: ["sh", "-c", "exec sleep 100000"]
`;

describe('multi-node cluster', { skip }, () => {
  let cluster: DevCluster | undefined;

  const kubectl = (args: string[], input?: string): Promise<string> => kubectlOk(cluster!, args, input);
  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
  const webPods = async (): Promise<Pod[]> => (await json<{ items: Pod[] }>(['get', 'pods', '-l', 'app=web'])).items;
  const ready = (p: Pod): boolean =>
    !p.metadata?.deletionTimestamp &&
    p.status?.phase === 'Running' &&
    !!p.status.podIP &&
    !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  const host = (name: string): DevHost => cluster!.hosts.find((h) => h.nodeName === name)!;

  before(async () => {
    cluster = await startDevCluster({
      nodes: 3,
      dataDir: join(tmpdir(), `${PREFIX}e2e`),
      profile: 'fast',
      env: { PEAPOD_LOG_LEVEL: process.env.PEAPOD_LOG_LEVEL ?? 'warn' },
      progress: (l) => process.env.PEAPOD_TEST_VERBOSE && process.stderr.write(`${l}\n`),
    });
  });

  after(async () => {
    await cluster?.stop();
    // Nothing of the cluster is left: no namespaces, links, routes or cgroups with the prefix.
    assert.doesNotMatch(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, new RegExp(PREFIX));
    assert.doesNotMatch(spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout, new RegExp(PREFIX));
    assert.equal(spawnSync('ip', ['route', 'show', 'proto', '77'], { encoding: 'utf8' }).stdout.trim(), '');
  });

  test("pods spread over three nodes reach each other by pod IP, and a dead node's pods are replaced", { timeout: 180_000 }, async (t) => {
    const dbPods = async (): Promise<Pod[]> => (await json<{ items: Pod[] }>(['get', 'pods', '-l', 'app=db'])).items;
    const nodes = await json<{ items: Node[] }>(['get', 'nodes']);
    assert.deepEqual(
      nodes.items.map((n) => n.metadata?.name).sort(),
      cluster!.hosts.map((h) => h.nodeName),
    );
    for (const n of nodes.items) assert.equal(n.spec?.podCIDR, host(n.metadata!.name!).podCidr);

    await kubectl(['apply', '-f', '-'], DEPLOYMENT);
    await kubectl(['apply', '-f', '-'], STATEFULSET);
    const pods = await eventually(
      '6 web pods ready',
      async () => {
        const list = await webPods();
        return list.length === 6 && list.every(ready) ? list : undefined;
      },
      90_000,
      250,
    );
    const perNode = new Map<string, Pod[]>();
    for (const p of pods) perNode.set(p.spec!.nodeName!, [...(perNode.get(p.spec!.nodeName!) ?? []), p]);
    assert.deepEqual(
      [...perNode.keys()].sort(),
      cluster!.hosts.map((h) => h.nodeName),
    );
    for (const [node, list] of perNode) {
      assert.equal(list.length, 2, `2 pods on ${node}`);
      for (const p of list) assert.ok(p.status!.podIP!.startsWith(host(node).podCidr.replace(/0\/24$/, '')), `${p.status?.podIP} in ${host(node).podCidr}`);
    }

    const [nodeA, nodeB, nodeC] = cluster!.hosts.map((h) => h.nodeName) as [string, string, string];
    const fromA = perNode.get(nodeA)![0]!;
    for (const target of [...perNode.get(nodeB)!, ...perNode.get(nodeC)!]) {
      const body = await kubectl(['exec', fromA.metadata!.name!, '--', 'wget', '-qO-', `http://${target.status!.podIP}/`]);
      assert.equal(body.trim(), `page-from-${target.metadata!.name}`);
    }

    const dbs = await eventually(
      '3 db pods ready, one per node',
      async () => {
        const list = await dbPods();
        return list.length === 3 && list.every(ready) && new Set(list.map((p) => p.spec?.nodeName)).size === 3 ? list : undefined;
      },
      60_000,
      250,
    );
    const dbOnB = dbs.find((p) => p.spec?.nodeName === nodeB)!;

    // Node death: the host's init goes, the kernel takes its agent, conmons and containers.
    const hostB = host(nodeB);
    const lost = perNode.get(nodeB)!;
    const killedAt = Date.now();
    await hostB.kill();
    assert.equal(hostB.initPid(), undefined);
    const conmons = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => l.includes('conmon') && l.includes(hostB.dataDir));
    assert.deepEqual(conmons, [], 'no conmon of the dead host survives');

    // For 30 s (ten grace periods of the fast profile) the surviving nodes stay Ready and
    // untainted and keep every pod they had: a node dying must not make the others flap.
    const survivors = [nodeA, nodeC];
    const kept = [...pods, ...dbs]
      .filter((p) => survivors.includes(p.spec!.nodeName!))
      .map((p) => p.metadata!.uid!)
      .sort();
    const watchUntil = Date.now() + 30_000;
    while (Date.now() < watchUntil) {
      const nodesNow = (await json<{ items: Node[] }>(['get', 'nodes'])).items.filter((n) => survivors.includes(n.metadata!.name!));
      for (const n of nodesNow) {
        assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', `${n.metadata!.name} Ready while ${nodeB} is dead`);
        assert.deepEqual(
          (n.spec?.taints ?? []).filter((x) => x.key.startsWith('node.kubernetes.io/')),
          [],
          `${n.metadata!.name} untainted`,
        );
      }
      const live = (await json<{ items: Pod[] }>(['get', 'pods'])).items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.uid!);
      assert.deepEqual(
        kept.filter((uid) => !live.includes(uid)),
        [],
        'the surviving nodes keep their pods',
      );
      await new Promise((r) => setTimeout(r, 1000));
    }
    const stillThere = await kubectl([
      'exec',
      fromA.metadata!.name!,
      '--',
      'sh',
      '-c',
      `timeout 10 wget -qO- http://${lost[0]!.status!.podIP}/ || echo unreachable`,
    ]);
    assert.equal(stillThere.trim().split('\n').pop(), 'unreachable');

    const lostUids = new Set(lost.map((p) => p.metadata!.uid!));
    const replaced = await eventually(
      'the Deployment available again with the lost pods replaced on the other nodes',
      async () => {
        const list = (await webPods()).filter(ready);
        const d = await json<Deployment>(['get', 'deployment', 'web']);
        const available = d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
        const ok =
          list.length === 6 &&
          available &&
          (d.status?.availableReplicas ?? 0) === 6 &&
          list.every((p) => p.spec?.nodeName !== nodeB && !lostUids.has(p.metadata!.uid!));
        return ok ? list : undefined;
      },
      120_000,
      500,
    );
    t.diagnostic(`node death -> Deployment available again on ${nodeA} and ${nodeC}: ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
    assert.deepEqual([...new Set(replaced.map((p) => p.spec!.nodeName))].sort(), [nodeA, nodeC]);

    // The StatefulSet keeps the name: the pod that was on B is back elsewhere with a new UID once
    // its old incarnation is gone. Nothing on B can finish that pod's graceful deletion, so, as
    // upstream's non-graceful node shutdown procedure says, the admin marks B out of service and
    // pod GC force-deletes its terminating pods.
    await kubectl(['taint', 'node', nodeB, 'node.kubernetes.io/out-of-service=nodeshutdown:NoExecute']);
    const back = await eventually(
      `${dbOnB.metadata!.name} back on another node`,
      async () => {
        const p = (await dbPods()).find((x) => x.metadata?.name === dbOnB.metadata!.name);
        return p && ready(p) && p.metadata?.uid !== dbOnB.metadata?.uid && p.spec?.nodeName !== nodeB ? p : undefined;
      },
      60_000,
      500,
    );
    t.diagnostic(`node death -> ${back.metadata!.name} Running on ${back.spec!.nodeName}: ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);

    const deadNode = await json<Node>(['get', 'node', nodeB]);
    assert.notEqual(deadNode.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.ok(
      deadNode.spec?.taints?.some((t2) => t2.key === 'node.kubernetes.io/unreachable' && t2.effect === 'NoExecute'),
      JSON.stringify(deadNode.spec?.taints),
    );
    const table = await kubectl(['get', 'nodes']);
    assert.match(table, new RegExp(`${nodeB}\\s+NotReady`));
    const describe = await kubectl(['describe', 'node', nodeB]);
    assert.match(describe, /node\.kubernetes\.io\/unreachable:NoExecute/);
  });
});
