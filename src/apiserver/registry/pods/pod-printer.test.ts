import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { pods } from '../pods.ts';
import type { KObject } from '../types.ts';

const now = new Date('2024-01-01T01:00:00Z');
const ctx = { now: () => now };

function pod(status: Pod['status'], extra: { init?: number; deleting?: boolean; spec?: Record<string, unknown> } = {}): KObject {
  return {
    metadata: {
      name: 'p',
      namespace: 'default',
      creationTimestamp: '2024-01-01T00:55:00Z',
      ...(extra.deleting ? { deletionTimestamp: '2024-01-01T01:00:30Z' } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'x' }],
      initContainers: Array.from({ length: extra.init ?? 0 }, (_, i) => ({ name: `i${i}`, image: 'x' })),
      ...(extra.spec ?? {}),
    },
    status,
  } as unknown as KObject;
}

const cs = (state: ContainerStatus['state'], more: Partial<ContainerStatus> = {}): ContainerStatus =>
  ({ name: 'c', image: 'x', imageID: '', ready: false, restartCount: 0, state, ...more }) as ContainerStatus;

function row(obj: KObject): unknown[] {
  return pods.row(obj, ctx);
}

test('columns: READY STATUS RESTARTS AGE + wide IP NODE NOMINATED NODE READINESS GATES', () => {
  assert.deepEqual(
    pods.columns.map((c) => [c.name, c.priority]),
    [
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ],
  );
});

test('Pending, unscheduled', () => {
  assert.deepEqual(row(pod({ phase: 'Pending' })), ['0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
});

test('ContainerCreating', () => {
  const r = row(pod({ phase: 'Pending', containerStatuses: [cs({ waiting: { reason: 'ContainerCreating' } })] }));
  assert.equal(r[1], 'ContainerCreating');
});

test('Running and ready, with IP and node', () => {
  const obj = pod(
    { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }], containerStatuses: [cs({ running: {} }, { ready: true })] },
    { spec: { nodeName: 'n1' } },
  );
  assert.deepEqual(row(obj), ['1/1', 'Running', '0', '5m', '10.0.0.5', 'n1', '<none>', '<none>']);
});

test('Completed', () => {
  const r = row(pod({ phase: 'Succeeded', containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } })] }));
  assert.deepEqual(r.slice(0, 2), ['0/1', 'Completed']);
});

test('ExitCode without a reason', () => {
  assert.equal(row(pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 3 } })] }))[1], 'ExitCode:3');
});

test('Init:0/2 and Init:CrashLoopBackOff and PodInitializing', () => {
  const waiting = (reason?: string) => ({ waiting: reason ? { reason } : {} });
  const init = (i: number, state: ContainerStatus['state']) => cs(state, { name: `i${i}` });
  assert.equal(row(pod({ phase: 'Pending', initContainerStatuses: [init(0, waiting()), init(1, waiting())] }, { init: 2 }))[1], 'Init:0/2');
  assert.equal(
    row(pod({ phase: 'Pending', initContainerStatuses: [init(0, { terminated: { exitCode: 0 } }), init(1, { running: {} })] }, { init: 2 }))[1],
    'Init:1/2',
  );
  assert.equal(row(pod({ phase: 'Pending', initContainerStatuses: [init(0, waiting('CrashLoopBackOff'))] }, { init: 1 }))[1], 'Init:CrashLoopBackOff');
  assert.equal(
    row(
      pod(
        {
          phase: 'Pending',
          initContainerStatuses: [init(0, { terminated: { exitCode: 0 } })],
          containerStatuses: [cs({ waiting: { reason: 'PodInitializing' } })],
        },
        { init: 1 },
      ),
    )[1],
    'PodInitializing',
  );
});

test('CrashLoopBackOff with restarts and last restart age', () => {
  const r = row(
    pod({
      phase: 'Running',
      containerStatuses: [
        cs({ waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 4, lastState: { terminated: { exitCode: 1, finishedAt: '2024-01-01T00:57:00Z' } } }),
      ],
    }),
  );
  assert.deepEqual(r.slice(0, 3), ['0/1', 'CrashLoopBackOff', '4 (3m ago)']);
});

test('Terminating, and Unknown for NodeLost', () => {
  assert.equal(row(pod({ phase: 'Running', containerStatuses: [cs({ running: {} }, { ready: true })] }, { deleting: true }))[1], 'Terminating');
  assert.equal(row(pod({ phase: 'Running', reason: 'NodeLost' }, { deleting: true }))[1], 'Unknown');
  assert.equal(row(pod({ phase: 'Succeeded' }, { deleting: true }))[1], 'Succeeded');
});

test('readiness gates count true conditions', () => {
  const obj = pod(
    { phase: 'Running', conditions: [{ type: 'example.com/ok', status: 'True' }] },
    { spec: { readinessGates: [{ conditionType: 'example.com/ok' }, { conditionType: 'example.com/other' }] } },
  );
  assert.equal(row(obj)[7], '1/2');
});
