// The scheduler inside a real `peapod server`, driven with real kubectl and raw API calls. Nodes are
// plain Node objects created through the API (no agent runs anything): what a user sees is where
// pods are bound, the PodScheduled condition, and the events `kubectl describe` shows.
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodSpec, Taint } from 'kubernetes-types/core/v1.js';
import { api, eventually, kubectl, sleep, readyNode, startServer, type TestServer } from './harness.ts';

let server: TestServer;
const servers: TestServer[] = [];

// One fresh server per test: nodes are cluster-wide, so tests must not see each other's.
beforeEach(async () => {
  // API-created nodes with no agent renewing leases: a long grace period keeps them Ready on a busy machine.
  server = await startServer({ args: ['--disable', 'agent', '--node-monitor-grace-period', '1h'] });
  servers.push(server);
});
afterEach(async () => {
  await server.stop();
});
after(async () => {
  for (const s of servers) await s.stop();
});

const CONTROL_PLANE_TAINT: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

async function createNode(name: string, o: { labels?: Record<string, string>; taints?: Taint[]; cpu?: string; memory?: string } = {}): Promise<void> {
  const node = readyNode(name, { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: '110' }, { labels: o.labels, spec: { taints: o.taints } });
  const r = await api(server, 'POST', '/api/v1/nodes', { body: node });
  assert.equal(r.status, 201, r.body);
}

function pod(name: string, o: { labels?: Record<string, string>; cpu?: string; spec?: Partial<PodSpec>; hostPort?: number } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: o.labels },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'busybox',
          resources: o.cpu ? { requests: { cpu: o.cpu } } : undefined,
          ports: o.hostPort ? [{ containerPort: 80, hostPort: o.hostPort }] : undefined,
        },
      ],
      ...(o.spec ?? {}),
    },
  };
}

async function create(p: Pod): Promise<void> {
  const r = await api(server, 'POST', '/api/v1/namespaces/default/pods', { body: p });
  assert.equal(r.status, 201, r.body);
}

async function getPod(name: string): Promise<Pod | undefined> {
  const r = await api(server, 'GET', `/api/v1/namespaces/default/pods/${name}`);
  return r.status === 200 ? r.json<Pod>() : undefined;
}

const boundTo = (name: string): Promise<string> => eventually(`pod ${name} bound`, async () => (await getPod(name))?.spec?.nodeName || undefined);

/** Waits for the scheduler to report the pod unschedulable; returns the condition message. */
const unschedulable = (name: string): Promise<string> =>
  eventually(`pod ${name} marked unschedulable`, async () => {
    const c = (await getPod(name))?.status?.conditions?.find((x) => x.type === 'PodScheduled');
    return c?.status === 'False' && c.reason === 'Unschedulable' ? (c.message ?? '') : undefined;
  });

const preemptionNotHelpful = (n: number): string => `preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`;

describe('scheduler', () => {
  it('leaves a pod Pending on a control-plane node, explains why, and binds it once it tolerates the taint', async () => {
    await createNode('node1', { taints: [CONTROL_PLANE_TAINT] });
    await create(pod('x'));
    const expected = `0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. ${preemptionNotHelpful(1)}`;
    assert.equal(await unschedulable('x'), expected);
    const described = await eventually('FailedScheduling in describe', async () => {
      const d = await kubectl(server, ['describe', 'pod', 'x']);
      return d.stdout.includes('FailedScheduling') ? d.stdout : undefined;
    });
    assert.match(described, /Warning\s+FailedScheduling\s+\S+(?: \(x\d+ over \S+\))?\s+default-scheduler\s+(.*)/);
    assert.equal(/FailedScheduling\s+\S+(?: \(x\d+ over \S+\))?\s+default-scheduler\s+(.*)/.exec(described)?.[1], expected);
    assert.equal((await getPod('x'))?.spec?.nodeName, undefined);

    // Tolerations may be added to an existing pod; that makes it schedulable.
    const patch = await kubectl(server, [
      'patch',
      'pod',
      'x',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'add', path: '/spec/tolerations/-', value: { key: CONTROL_PLANE_TAINT.key, operator: 'Exists', effect: 'NoSchedule' } }]),
    ]);
    assert.equal(patch.code, 0, patch.stderr);
    assert.equal(await boundTo('x'), 'node1');
    const wide = await kubectl(server, ['get', 'pods', '-o', 'wide']);
    assert.match(wide.stdout, /NODE/);
    assert.match(wide.stdout, /^x\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+node1\s/m);
    const events = await eventually('Scheduled event', async () => {
      const e = await kubectl(server, ['get', 'events', '--field-selector', 'reason=Scheduled', '-o', 'jsonpath={.items[*].message}']);
      return e.stdout.includes('Successfully') ? e.stdout : undefined;
    });
    assert.equal(events, 'Successfully assigned default/x to node1');
    const cond = (await getPod('x'))?.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'True');
  });

  it('leaves pods with spec.nodeName preset alone', async () => {
    await createNode('node1');
    await create(pod('preset', { spec: { nodeName: 'elsewhere' } }));
    await create(pod('free'));
    assert.equal(await boundTo('free'), 'node1');
    const p = await getPod('preset');
    assert.equal(p?.spec?.nodeName, 'elsewhere');
    assert.equal(
      p?.status?.conditions?.find((c) => c.type === 'PodScheduled'),
      undefined,
    );
  });

  it('honours nodeSelector and required node affinity', async () => {
    await createNode('ssd-node', { labels: { disk: 'ssd' } });
    await createNode('hdd-node', { labels: { disk: 'hdd' } });
    await create(pod('wants-ssd', { spec: { nodeSelector: { disk: 'ssd' } } }));
    await create(
      pod('not-ssd', {
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['ssd'] }] }],
              },
            },
          },
        },
      }),
    );
    await create(pod('wants-nvme', { spec: { nodeSelector: { disk: 'nvme' } } }));
    assert.equal(await boundTo('wants-ssd'), 'ssd-node');
    assert.equal(await boundTo('not-ssd'), 'hdd-node');
    assert.equal(await unschedulable('wants-nvme'), `0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. ${preemptionNotHelpful(2)}`);
  });

  it('fits resource requests across nodes', async () => {
    await createNode('small', { cpu: '2' });
    await createNode('big', { cpu: '4' });
    await create(pod('three-a', { cpu: '3' }));
    assert.equal(await boundTo('three-a'), 'big');
    await create(pod('three-b', { cpu: '3' }));
    assert.match(await unschedulable('three-b'), /^0\/2 nodes are available: 2 Insufficient cpu\. preemption: /);
    await create(pod('one-and-a-half', { cpu: '1500m' }));
    assert.equal(await boundTo('one-and-a-half'), 'small');
  });

  it("frees a finished pod's resources for a waiting pod, on the one watch of pods it shares with the controllers", async () => {
    await createNode('one', { cpu: '2' });
    await create(pod('batch', { cpu: '2', spec: { restartPolicy: 'Never' } }));
    assert.equal(await boundTo('batch'), 'one');
    await create(pod('waiting', { cpu: '2' }));
    assert.match(await unschedulable('waiting'), /^0\/1 nodes are available: 1 Insufficient cpu\. /);
    const r = await api(server, 'PATCH', '/api/v1/namespaces/default/pods/batch/status', {
      body: { status: { phase: 'Succeeded' } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(r.status, 200, r.body);
    assert.equal(await boundTo('waiting'), 'one');
    // The scheduler and the controller manager read pods and nodes from shared informers: one watch
    // each, as apiserver_longrunning_requests counts them (no agent runs in this server).
    const metrics = await kubectl(server, ['get', '--raw', '/metrics']);
    const watches = (resource: string): number => {
      const line = metrics.stdout
        .split('\n')
        .find((l) => l.startsWith('apiserver_longrunning_requests{') && l.includes(`resource="${resource}"`) && l.includes('scope="cluster"'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    assert.equal(watches('pods'), 1);
    assert.equal(watches('nodes'), 1);
  });

  it('does not put two pods with the same hostPort on one node', async () => {
    await createNode('n1');
    await createNode('n2');
    for (const name of ['web-1', 'web-2', 'web-3']) await create(pod(name, { hostPort: 8080 }));
    const placed = await Promise.race([
      Promise.all([boundTo('web-1'), boundTo('web-2')]).then(async (a) => [...a, await unschedulable('web-3')]),
      Promise.all([boundTo('web-1'), boundTo('web-3')]).then(async (a) => [...a, await unschedulable('web-2')]),
      Promise.all([boundTo('web-2'), boundTo('web-3')]).then(async (a) => [...a, await unschedulable('web-1')]),
    ]);
    assert.deepEqual(placed.slice(0, 2).sort(), ['n1', 'n2']);
    // NodePorts failures are Unschedulable (not unresolvable), so preemption is tried: the other
    // pods have the same priority, hence "no victims" rather than "not helpful" (as upstream).
    assert.equal(
      placed[2],
      "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
  });

  it('spreads a 6-pod group evenly over 3 zones', async () => {
    for (let i = 0; i < 6; i++) await createNode(`node-${i}`, { labels: { 'topology.kubernetes.io/zone': `zone-${i % 3}` } });
    const spec: Partial<PodSpec> = {
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } },
      ],
    };
    for (let i = 0; i < 6; i++) await create(pod(`spread-${i}`, { labels: { app: 'spread' }, spec }));
    const perZone = new Map<string, number>();
    for (let i = 0; i < 6; i++) {
      const zone = `zone-${Number((await boundTo(`spread-${i}`)).slice('node-'.length)) % 3}`;
      perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries([...perZone].sort()), { 'zone-0': 2, 'zone-1': 2, 'zone-2': 2 });
  });

  it('keeps pods with required anti-affinity on different nodes', async () => {
    for (const n of ['a', 'b', 'c']) await createNode(n);
    const spec: Partial<PodSpec> = {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'db' } } }],
        },
      },
    };
    for (let i = 0; i < 3; i++) await create(pod(`db-${i}`, { labels: { app: 'db' }, spec }));
    const nodes = await Promise.all([0, 1, 2].map((i) => boundTo(`db-${i}`)));
    assert.deepEqual(nodes.sort(), ['a', 'b', 'c']);
    await create(pod('db-3', { labels: { app: 'db' }, spec }));
    assert.match(await unschedulable('db-3'), /^0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules\. preemption: /);
  });

  it('resolves priorityClassName at admission and preempts a lower-priority pod', async () => {
    const pcs = await kubectl(server, ['get', 'priorityclasses']);
    assert.match(pcs.stdout, /^system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority$/m);
    assert.match(pcs.stdout, /^system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority$/m);
    const classes = ['low:100', 'high:1000']
      .map((s) => s.split(':'))
      .map(([name, value]) => `apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: ${name}\nvalue: ${value}\n`)
      .join('---\n');
    const applied = await kubectl(server, ['apply', '-f', '-'], { input: classes });
    assert.equal(applied.code, 0, applied.stderr);

    const unknown = await kubectl(server, ['apply', '-f', '-'], { input: JSON.stringify(pod('bad', { spec: { priorityClassName: 'foo' } })) });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /pods "bad" is forbidden: no PriorityClass with name foo was found/);

    await createNode('node1', { cpu: '2' });
    // No agent runs on node1, so a graceful deletion would wait for one: the victim asks for none.
    await create(pod('victim', { cpu: '1500m', spec: { priorityClassName: 'low', terminationGracePeriodSeconds: 0 } }));
    assert.equal(await boundTo('victim'), 'node1');
    assert.equal((await getPod('victim'))?.spec?.priority, 100);
    await create(pod('preemptor', { cpu: '1500m', spec: { priorityClassName: 'high' } }));
    assert.equal((await getPod('preemptor'))?.spec?.priority, 1000);
    assert.equal(await boundTo('preemptor'), 'node1');
    assert.equal(await getPod('victim'), undefined);
    const preempted = await eventually('Preempted event', async () => {
      const e = await kubectl(server, ['get', 'events', '--field-selector', 'reason=Preempted', '-o', 'jsonpath={.items[*].message}']);
      return e.stdout || undefined;
    });
    assert.match(preempted, /^Preempted by pod \S+ on node node1$/);
    const failed = await kubectl(server, [
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=preemptor,reason=FailedScheduling',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    // Preemption found a victim, so (as upstream) the message has no "preemption:" part.
    assert.equal(failed.stdout, '0/1 nodes are available: 1 Insufficient cpu.');
  });

  it('gives pods that name no class the one global default PriorityClass, seen as soon as it is created', async () => {
    const pc = (name: string, value: number) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, globalDefault: true });
    let r = await api(server, 'POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { body: pc('everyday', 500) });
    assert.equal(r.status, 201, r.body);
    await create(pod('plain'));
    const plain = await getPod('plain');
    assert.equal(plain?.spec?.priorityClassName, 'everyday');
    assert.equal(plain?.spec?.priority, 500);

    r = await api(server, 'POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { body: pc('second', 7) });
    assert.equal(r.status, 403, r.body);
    assert.equal(
      r.json<{ message: string }>().message,
      'priorityclasses.scheduling.k8s.io "second" is forbidden: PriorityClass everyday is already marked as default. Only one default can exist',
    );

    r = await api(server, 'DELETE', '/apis/scheduling.k8s.io/v1/priorityclasses/everyday');
    assert.equal(r.status, 200, r.body);
    await create(pod('after-delete'));
    assert.equal((await getPod('after-delete'))?.spec?.priority, 0);
  });

  it('holds a gated pod with SchedulingGated until its gate is removed', async () => {
    await createNode('node1');
    await create(pod('gated', { spec: { schedulingGates: [{ name: 'example.com/wait' }] } }));
    const cond = await eventually('SchedulingGated condition', async () => {
      const c = (await getPod('gated'))?.status?.conditions?.find((x) => x.type === 'PodScheduled');
      return c?.reason === 'SchedulingGated' ? c : undefined;
    });
    assert.equal(cond.status, 'False');
    assert.equal(cond.message, 'Scheduling is blocked due to non-empty scheduling gates');
    await sleep(300);
    assert.equal((await getPod('gated'))?.spec?.nodeName, undefined);
    const r = await kubectl(server, ['patch', 'pod', 'gated', '--type=json', '-p', '[{"op":"remove","path":"/spec/schedulingGates"}]']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await boundTo('gated'), 'node1');
  });
});
