import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeClock } from '../util/index.ts';
import { createScheduler } from './scheduler.ts';
import { FakeHost } from './testing/fake-host.ts';
import { CONTROL_PLANE_TAINT, makeNode, makePod } from './testing/fixtures.ts';

function setup() {
  const host = new FakeHost();
  const clock = createFakeClock(1_700_000_000_000);
  const s = createScheduler({ host, clock, random: () => 0.5 });
  host.scheduler = s;
  const drain = async (): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      while (s.scheduleOne());
      await s.settled();
      if (s.queue.stats.active === 0) return;
    }
  };
  return { host, clock, s, drain };
}

test('control-plane taint: upstream FailedScheduling message, then a toleration schedules', async () => {
  const { host, s, drain } = setup();
  s.addNode(makeNode('node1', { taints: [CONTROL_PLANE_TAINT] }));
  const pod = makePod('x');
  s.addPod(pod);
  await drain();
  const msg =
    '0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.';
  assert.deepEqual(host.eventsFor('x'), [`Warning FailedScheduling ${msg}`]);
  assert.deepEqual(host.conditions.get('x')?.condition, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: msg });
  assert.equal(s.queue.whereIs(pod), 'unschedulable');

  const tolerant = makePod('y', { spec: { tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] } });
  s.addPod(tolerant);
  await drain();
  assert.deepEqual(host.eventsFor('y'), ['Normal Scheduled Successfully assigned default/y to node1']);
});

test('the brief example: taint + insufficient cpu beyond allocatable', async () => {
  const { host, s, drain } = setup();
  s.addNode(makeNode('cp', { taints: [CONTROL_PLANE_TAINT] }));
  s.addNode(makeNode('w1', { cpu: '2' }));
  s.addNode(makeNode('w2', { cpu: '2' }));
  s.addPod(makePod('big', { cpu: '3' }));
  await drain();
  assert.deepEqual(host.eventsFor('big'), [
    'Warning FailedScheduling 0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
  ]);
});

test('topology spread: 6 pods over 3 zones land 2 per zone', async () => {
  const { host, s, drain } = setup();
  for (const z of ['a', 'b', 'c']) s.addNode(makeNode(`n-${z}`, { labels: { 'topology.kubernetes.io/zone': z } }));
  for (let i = 0; i < 6; i++) {
    s.addPod(
      makePod(`web-${i}`, {
        labels: { app: 'web' },
        spec: {
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } },
          ],
        },
      }),
    );
  }
  await drain();
  const perNode = new Map<string, number>();
  for (const n of host.bindings.values()) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  assert.deepEqual([...perNode.values()], [2, 2, 2]);
});

test('preemption: a high-priority pod evicts a lower-priority one and lands after it is gone', async () => {
  const { host, s, drain, clock } = setup();
  s.addNode(makeNode('node1', { cpu: '1' }));
  s.addPod(makePod('low', { cpu: '800m', priority: 0 }));
  await drain();
  assert.equal(host.bindings.get('low'), 'node1');
  s.addPod(makePod('high', { cpu: '800m', priority: 1000 }));
  await drain();
  assert.deepEqual(host.deleted, ['low']);
  assert.equal(host.conditions.get('high')?.nominated, 'node1');
  assert.ok(host.eventsFor('low').some((e) => e.startsWith('Normal Preempted Preempted by pod uid-high')));
  clock.advance(1000); // backoff
  await drain();
  assert.equal(host.bindings.get('high'), 'node1');
});

test('no victims: upstream preemption message', async () => {
  const { host, s, drain } = setup();
  s.addNode(makeNode('node1', { cpu: '1' }));
  s.addPod(makePod('a', { cpu: '800m', priority: 5 }));
  await drain();
  s.addPod(makePod('b', { cpu: '800m', priority: 5 }));
  await drain();
  assert.deepEqual(host.eventsFor('b'), [
    'Warning FailedScheduling 0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
  ]);
});

test('gated pods wait until their gates are removed', async () => {
  const { host, s, drain } = setup();
  s.addNode(makeNode('node1'));
  const pod = makePod('g', { spec: { schedulingGates: [{ name: 'example.com/wait' }] } });
  s.addPod(pod);
  await drain();
  assert.equal(host.bindings.size, 0);
  assert.equal(s.queue.whereIs(pod), 'gated');
  s.updatePod({ ...pod, spec: { ...pod.spec!, schedulingGates: [] } });
  await drain();
  assert.equal(host.bindings.get('g'), 'node1');
});

test('pods with spec.nodeName bypass the queue; other schedulers are ignored', async () => {
  const { host, s, drain } = setup();
  s.addNode(makeNode('node1'));
  s.addPod(makePod('pre', { nodeName: 'node1', cpu: '1' }));
  s.addPod(makePod('other', { spec: { schedulerName: 'my-scheduler' } }));
  await drain();
  assert.equal(host.bindings.size, 0);
  assert.equal(s.cache.get('node1')?.requested.milliCpu, 1000);
});

test('a burst sees assumed pods: resource fit across nodes', async () => {
  const { host, s, drain } = setup();
  s.addNode(makeNode('n1', { cpu: '1' }));
  s.addNode(makeNode('n2', { cpu: '1' }));
  for (let i = 0; i < 3; i++) s.addPod(makePod(`p${i}`, { cpu: '600m' }));
  while (s.scheduleOne());
  await s.settled();
  await drain();
  assert.equal(host.bindings.size, 2);
  assert.notEqual(host.bindings.get('p0'), host.bindings.get('p1'));
});

test('run() schedules until aborted', async () => {
  const host = new FakeHost();
  const s = createScheduler({ host });
  host.scheduler = s;
  s.addNode(makeNode('node1'));
  const ac = new AbortController();
  const done = s.run(ac.signal);
  s.addPod(makePod('r'));
  for (let i = 0; i < 50 && !host.bindings.has('r'); i++) await new Promise((r) => setTimeout(r, 5));
  ac.abort();
  await done;
  assert.equal(host.bindings.get('r'), 'node1');
});

test('no nodes: the pod waits unschedulable with upstream message, and the first node added schedules it', async () => {
  const { host, s, drain, clock } = setup();
  const pod = makePod('early');
  s.addPod(pod);
  await drain();
  assert.deepEqual(host.eventsFor('early'), ['Warning FailedScheduling no nodes available to schedule pods']);
  assert.equal(host.conditions.get('early')?.condition.reason, 'Unschedulable');
  // Not in backoff: without a cluster event it is not retried (no event every 10 s per pod).
  assert.equal(s.queue.whereIs(pod), 'unschedulable');
  s.addNode(makeNode('node1'));
  clock.advance(20_000); // past its backoff
  await drain();
  assert.equal(host.bindings.get('early'), 'node1');
});

test('a node heartbeat does not requeue unschedulable pods; a change filters read does', async () => {
  const { host, s, drain, clock } = setup();
  const node = makeNode('node1', { cpu: '1' });
  s.addNode(node);
  const pod = makePod('big', { cpu: '2' });
  s.addPod(pod);
  await drain();
  assert.equal(s.queue.whereIs(pod), 'unschedulable');
  const heartbeat = {
    ...node,
    status: { ...node.status, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date(clock.now()).toISOString() }] },
  };
  s.updateNode(heartbeat, node);
  assert.equal(s.queue.whereIs(pod), 'unschedulable');
  assert.equal(host.eventsFor('big').length, 1);

  const grown = makeNode('node1', { cpu: '4' });
  s.updateNode(grown, heartbeat);
  assert.notEqual(s.queue.whereIs(pod), 'unschedulable');
  clock.advance(20_000);
  await drain();
  assert.equal(host.bindings.get('big'), 'node1');
});

test('status-only updates of a bound pod do not requeue; a deletion does', async () => {
  const { s, drain } = setup();
  s.addNode(makeNode('node1', { cpu: '1' }));
  const running = makePod('running', { cpu: '800m', nodeName: 'node1' });
  s.addPod(running);
  const waiting = makePod('waiting', { cpu: '800m' });
  s.addPod(waiting);
  await drain();
  assert.equal(s.queue.whereIs(waiting), 'unschedulable');
  const withStatus = { ...running, status: { phase: 'Running', podIP: '10.0.0.5' } };
  s.updatePod(withStatus, running);
  assert.equal(s.queue.whereIs(waiting), 'unschedulable');
  s.deletePod(withStatus);
  assert.notEqual(s.queue.whereIs(waiting), 'unschedulable');
});
