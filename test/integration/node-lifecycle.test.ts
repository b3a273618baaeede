// Node failure and maintenance against a real `peapod server` (scheduler and controllers on, no
// embedded agent, short node timers): two pretend nodes (a Node, a Lease they renew, and a loop
// that runs their pods the way a kubelet would) stand in for agents. A node whose lease stops
// renewing turns NotReady with the unreachable taint, its pods are evicted and replaced on the
// other node, and it recovers when it renews again; `kubectl drain` with a PodDisruptionBudget
// moves pods without ever going below the budget; the eviction API answers 429 as upstream.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { createClient, createInformer, resources, silentLogger } from '../../src/client/index.ts';
import { api, eventually, kubectl, sleep, startServer, type TestServer } from './harness.ts';

const NS = 'nl-test';
const LEASE_NS = 'kube-node-lease';
let server: TestServer;

interface List<T> {
  items: T[];
}

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const micro = (): string => new Date().toISOString().replace('Z', '000Z');
const isReady = (p: Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(server, args, input === undefined ? { timeoutMs: 180_000 } : { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function must(method: string, path: string, body?: unknown, contentType?: string): Promise<Record<string, unknown>> {
  const r = await api(server, method, path, { body, contentType });
  assert.ok(r.status < 300 || r.status === 409, `${method} ${path}: ${r.status} ${r.body}`);
  return r.json();
}

/**
 * A pretend node: posts Ready status, renews its lease every 500 ms, and runs the pods bound to it
 * (Running, Ready after `readyDelayMs`; graceful deletions finished at once) — while alive.
 */
class FakeNode {
  alive = true;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly firstSeen = new Map<string, number>();
  constructor(
    readonly name: string,
    private readonly readyDelayMs = 0,
  ) {}

  async register(): Promise<void> {
    await must('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: this.name, labels: { 'kubernetes.io/hostname': this.name } } });
    await this.postReady();
    await must('POST', `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NS}/leases`, {
      metadata: { name: this.name, namespace: LEASE_NS },
      spec: { holderIdentity: this.name, leaseDurationSeconds: 40, renewTime: micro() },
    });
    this.loop = this.run();
  }

  private async postReady(): Promise<void> {
    const node = (await must('GET', `/api/v1/nodes/${this.name}`)) as Node;
    const t = now();
    const cond = (type: string, status: string, reason: string) => ({ type, status, reason, message: reason, lastHeartbeatTime: t, lastTransitionTime: t });
    await must('PUT', `/api/v1/nodes/${this.name}/status`, {
      ...node,
      status: {
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: this.name },
        ],
        conditions: [
          cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
          cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
          cond('PIDPressure', 'False', 'KubeletHasSufficientPID'),
          cond('Ready', 'True', 'KubeletReady'),
        ],
      },
    });
  }

  private async tick(): Promise<void> {
    await must(
      'PATCH',
      `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NS}/leases/${this.name}`,
      { spec: { renewTime: micro() } },
      'application/merge-patch+json',
    );
    // As kubelet, which compares with the stored node: Unknown (set by the controller) → post Ready.
    const node = (await must('GET', `/api/v1/nodes/${this.name}`)) as Node;
    if (!(node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')) await this.postReady();
    const pods = (await must('GET', `/api/v1/pods?fieldSelector=spec.nodeName%3D${this.name}`)) as unknown as List<Pod>;
    for (const pod of pods.items) {
      const path = `/api/v1/namespaces/${pod.metadata?.namespace}/pods/${pod.metadata?.name}`;
      if (pod.metadata?.deletionTimestamp) {
        await api(server, 'DELETE', path, { body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } } });
        continue;
      }
      if (isReady(pod)) continue;
      const uid = pod.metadata?.uid ?? '';
      const first = this.firstSeen.get(uid) ?? Date.now();
      this.firstSeen.set(uid, first);
      const ready = Date.now() - first >= this.readyDelayMs;
      const t = now();
      const c = (type: string, s: boolean) => ({ type, status: s ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t });
      await api(server, 'PATCH', `${path}/status`, {
        contentType: 'application/merge-patch+json',
        body: {
          status: {
            phase: 'Running',
            hostIP: '127.0.0.1',
            podIP: '10.99.0.1',
            startTime: pod.status?.startTime ?? t,
            conditions: [c('Initialized', true), c('Ready', ready), c('ContainersReady', ready), c('PodScheduled', true)],
          },
        },
      });
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.alive) await this.tick().catch(() => undefined);
      await sleep(300);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

function deploymentYaml(name: string, replicas: number, extra = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${NS}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 30
      containers: [{name: c, image: busybox}]
${extra}`;
}

async function podsOf(app: string): Promise<Pod[]> {
  const list = (await must('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3D${app}`)) as unknown as List<Pod>;
  return list.items;
}

const liveReady = (pods: Pod[]): Pod[] => pods.filter((p) => !p.metadata?.deletionTimestamp && isReady(p));

const nodeA = new FakeNode('node-a', 1500);
const nodeB = new FakeNode('node-b', 0);

before(async () => {
  server = await startServer({
    args: [
      '--disable',
      'agent',
      '--node-monitor-grace-period',
      '3s',
      '--default-unreachable-toleration-seconds',
      '1',
      '--default-not-ready-toleration-seconds',
      '1',
    ],
  });
  await api(server, 'POST', '/api/v1/namespaces', { body: { metadata: { name: LEASE_NS } } });
  await must('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  await nodeA.register();
  await nodeB.register();
});

after(async () => {
  await nodeA.stop();
  await nodeB.stop();
  await api(server, 'DELETE', `/api/v1/namespaces/${NS}`);
  await server.stop();
});

describe('node lifecycle', () => {
  it('a node that stops renewing its lease turns NotReady with the unreachable taint; its pods move; it recovers', async () => {
    // Everything on node-b first: node-a cordoned (kubectl cordon/uncordon).
    assert.match(await ok(['cordon', 'node-a']), /node\/node-a cordoned/);
    await ok(['apply', '-f', '-'], deploymentYaml('web', 4));
    await ok(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: Pod
metadata: {name: stays, namespace: ${NS}, labels: {app: stays}}
spec:
  nodeName: node-b
  tolerations: [{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute}]
  containers: [{name: c, image: busybox}]
`,
    );
    const before = await eventually('4 ready web pods on node-b', async () => {
      const ready = liveReady(await podsOf('web'));
      return ready.length === 4 && ready.every((p) => p.spec?.nodeName === 'node-b') && ready;
    });
    assert.match(await ok(['uncordon', 'node-a']), /node\/node-a uncordoned/);
    await eventually('stays is ready', async () => liveReady(await podsOf('stays')).length === 1);

    nodeB.alive = false;
    const node = await eventually(
      'node-b Unknown with unreachable taints',
      async () => {
        const n = (await must('GET', '/api/v1/nodes/node-b')) as Node;
        const taints = (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
        return taints.includes('node.kubernetes.io/unreachable:NoExecute') && taints.includes('node.kubernetes.io/unreachable:NoSchedule') && n;
      },
      30_000,
    );
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'Unknown');
    assert.equal(ready?.reason, 'NodeStatusUnknown');
    assert.equal(ready?.message, 'Kubelet stopped posting node status.');
    for (const c of node.status?.conditions ?? []) assert.equal(c.status, 'Unknown', c.type);
    assert.ok(node.spec?.taints?.find((t) => t.effect === 'NoExecute')?.timeAdded, 'NoExecute taint has timeAdded');
    const table = await ok(['get', 'nodes']);
    assert.match(table, /node-b\s+NotReady/);
    assert.match(table, /node-a\s+Ready/);
    const describe = await ok(['describe', 'node', 'node-b']);
    assert.match(describe, /node\.kubernetes\.io\/unreachable:NoExecute/);
    assert.match(describe, /Kubelet stopped posting node status\./);

    // The pod tolerating the taint forever stays, marked not Ready.
    await eventually('stays is not ready', async () => {
      const [p] = await podsOf('stays');
      return p && !p.metadata?.deletionTimestamp && !isReady(p);
    });
    // Deployment pods are evicted (Terminating: nobody on node-b finishes them) and replaced on node-a.
    const oldUids = new Set(before.map((p) => p.metadata?.uid));
    const replaced = await eventually(
      '4 ready replacements on node-a',
      async () => {
        const r = liveReady(await podsOf('web'));
        return r.length === 4 && r.every((p) => p.spec?.nodeName === 'node-a' && !oldUids.has(p.metadata?.uid)) && r;
      },
      60_000,
    );
    assert.equal(replaced.length, 4);
    const terminating = (await podsOf('web')).filter((p) => p.metadata?.deletionTimestamp);
    assert.ok(terminating.every((p) => p.spec?.nodeName === 'node-b' && oldUids.has(p.metadata?.uid)));
    await eventually('deployment available', async () => /web\s+4\/4\s+4\s+4/.test(await ok(['get', 'deploy', 'web', '-n', NS])));

    // node-b comes back: it posts Ready, the taints go, and it finishes the evicted pods.
    nodeB.alive = true;
    await eventually(
      'node-b Ready without unreachable taints',
      async () => {
        const n = (await must('GET', '/api/v1/nodes/node-b')) as Node;
        return !(n.spec?.taints ?? []).some((t) => t.key.startsWith('node.kubernetes.io/')) && /node-b\s+Ready/.test(await ok(['get', 'nodes']));
      },
      30_000,
    );
    await eventually('evicted pods gone', async () => (await podsOf('web')).every((p) => !oldUids.has(p.metadata?.uid)));
    await eventually('stays ready again', async () => liveReady(await podsOf('stays')).length === 1);
    await ok(['delete', 'deploy/web', 'pod/stays', '-n', NS, '--wait=false']);
  });

  it('kubectl drain with a PodDisruptionBudget moves pods without breaking the budget', async () => {
    assert.match(await ok(['cordon', 'node-a']), /cordoned/);
    await ok(['apply', '-f', '-'], deploymentYaml('db', 3));
    await eventually('3 ready db pods on node-b', async () => {
      const ready = liveReady(await podsOf('db'));
      return ready.length === 3 && ready.every((p) => p.spec?.nodeName === 'node-b');
    });
    await ok(['uncordon', 'node-a']);
    await ok(
      ['apply', '-f', '-'],
      `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db, namespace: ${NS}}
spec:
  minAvailable: 3
  selector: {matchLabels: {app: db}}
`,
    );
    const pdbPath = `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/db`;
    await eventually('pdb status observed', async () => {
      const p = (await must('GET', pdbPath)) as PodDisruptionBudget;
      return p.status?.observedGeneration === 1 && p.status.currentHealthy === 3;
    });
    const full = (await must('GET', pdbPath)) as PodDisruptionBudget;
    assert.equal(full.status?.disruptionsAllowed, 0);
    assert.equal(full.status?.desiredHealthy, 3);
    assert.equal(full.status?.expectedPods, 3);
    assert.deepEqual(
      full.status?.conditions?.map((c) => [c.type, c.status, c.reason]),
      [['DisruptionAllowed', 'False', 'InsufficientPods']],
    );

    // The eviction API refuses with upstream's 429.
    const victim = liveReady(await podsOf('db'))[0]!;
    const r = await api(server, 'POST', `/api/v1/namespaces/${NS}/pods/${victim.metadata?.name}/eviction`, {
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: victim.metadata?.name, namespace: NS } },
    });
    assert.equal(r.status, 429, r.body);
    const st = r.json<{ reason: string; message: string; details?: { causes?: { reason: string; message: string }[] } }>();
    assert.equal(st.reason, 'TooManyRequests');
    assert.equal(st.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(st.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget db needs 3 healthy pods and has 3 currently' }]);

    await ok(['patch', 'pdb', 'db', '-n', NS, '--type', 'merge', '-p', '{"spec":{"minAvailable":2}}']);
    await eventually('pdb allows one disruption', async () => {
      const p = (await must('GET', pdbPath)) as PodDisruptionBudget;
      return p.status?.observedGeneration === 2 && p.status.disruptionsAllowed === 1;
    });
    assert.match(await ok(['get', 'pdb', '-n', NS]), /db\s+2\s+N\/A\s+1\s+/);

    // Watch the pods throughout the drain; the budget must hold at every event.
    const client = createClient({ server: server.url, token: server.token, ca: server.ca, userAgent: 'node-lifecycle-test' });
    const informer = createInformer<Pod>(client, resources.pods, { namespace: NS, labelSelector: 'app=db', logger: silentLogger });
    let minReady = Infinity;
    let synced = false;
    // The initial list arrives one add at a time: count from the synced store on.
    const check = (): void => {
      if (synced) minReady = Math.min(minReady, liveReady(informer.store.list()).length);
    };
    informer.on('add', check);
    informer.on('update', check);
    informer.on('delete', check);
    const abort = new AbortController();
    const done = informer.start(abort.signal);
    try {
      await informer.waitForSync(abort.signal);
      synced = true;
      check();
      assert.equal(minReady, 3);
      const out = await ok(['drain', 'node-b', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=150s']);
      assert.match(out, /node\/node-b drained/);
      await eventually('3 ready db pods on node-a', async () => {
        const ready = liveReady(await podsOf('db'));
        return ready.length === 3 && ready.every((p) => p.spec?.nodeName === 'node-a');
      });
    } finally {
      abort.abort();
      await done.catch(() => undefined);
      client.close();
    }
    assert.ok(minReady >= 2, `ready pods went down to ${minReady}`);
    const nodeB = (await must('GET', '/api/v1/nodes/node-b')) as Node;
    assert.equal(nodeB.spec?.unschedulable, true);
    assert.ok(nodeB.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule'));
    await eventually('pdb settles', async () => {
      const p = (await must('GET', pdbPath)) as PodDisruptionBudget;
      const s = p.status;
      return (
        s?.currentHealthy === 3 &&
        s.desiredHealthy === 2 &&
        s.expectedPods === 3 &&
        s.disruptionsAllowed === 1 &&
        s.conditions?.[0]?.reason === 'SufficientPods' &&
        !s.disruptedPods
      );
    });
    await ok(['uncordon', 'node-b']);

    // maxUnavailable as a percentage counts the Deployment's replicas.
    await ok(
      ['apply', '-f', '-'],
      `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db-pct, namespace: ${NS}}
spec:
  maxUnavailable: "50%"
  selector: {matchLabels: {app: db}}
`,
    );
    await eventually('percentage pdb status', async () => {
      const p = (await must('GET', `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/db-pct`)) as PodDisruptionBudget;
      const s = p.status;
      return s?.expectedPods === 3 && s.desiredHealthy === 1 && s.disruptionsAllowed === 2;
    });
    await ok(['delete', 'deploy/db', 'pdb/db', 'pdb/db-pct', '-n', NS, '--wait=false']);
  });
});
