import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus as RuntimeStatus } from '../runtime/index.ts';
import { canonicalStatus, computePodStatus } from './pod-status.ts';
import type { ObservedContainer, PodObservation } from './types.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const pod = (over: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u' },
  spec: { containers: [{ name: 'app', image: 'busybox' }], ...over },
});
const inst = (name: string, attempt: number, st: Partial<RuntimeStatus>, message?: string): ObservedContainer => ({
  id: `${name}${attempt}`,
  name,
  attempt,
  image: 'busybox',
  imageId: 'sha256:abc',
  message,
  status: { id: `${name}${attempt}`, state: 'running', oomKilled: false, createdAt: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:01.500Z', ...st },
});
const obs = (containers: Record<string, ObservedContainer[]>, over: Partial<PodObservation> = {}): PodObservation => ({
  sandboxIp: '10.42.0.7',
  containers: new Map(Object.entries(containers)),
  waiting: new Map(),
  runtimeName: 'runc',
  hostIp: '192.0.2.1',
  now: T0 + 5000,
  podIsTerminal: false,
  ...over,
});

describe('computePodStatus', () => {
  test('terminated state: OOMKilled, message, times at second precision, containerID scheme', () => {
    const s = computePodStatus(
      pod({ restartPolicy: 'Never' }),
      obs({
        app: [inst('app', 0, { state: 'exited', exitCode: 137, oomKilled: true, finishedAt: '2026-01-01T00:00:03.900Z' }, 'boom')],
      }),
      undefined,
    );
    assert.equal(s.phase, 'Failed');
    assert.deepEqual(s.containerStatuses?.[0], {
      name: 'app',
      ready: false,
      restartCount: 0,
      image: 'busybox',
      imageID: 'sha256:abc',
      started: false,
      containerID: 'runc://app0',
      lastState: {},
      state: {
        terminated: {
          exitCode: 137,
          reason: 'OOMKilled',
          message: 'boom',
          startedAt: '2026-01-01T00:00:01Z',
          finishedAt: '2026-01-01T00:00:03Z',
          containerID: 'runc://app0',
        },
      },
    });
    assert.deepEqual(
      s.conditions?.map((c) => [c.type, c.status, c.reason ?? '']),
      [
        ['PodReadyToStartContainers', 'True', ''],
        ['Initialized', 'True', ''],
        ['Ready', 'False', 'PodFailed'],
        ['ContainersReady', 'False', 'PodFailed'],
      ],
    );
  });

  test('no sandbox yet: ContainerCreating, PodReadyToStartContainers False, Pending', () => {
    const s = computePodStatus(pod(), obs({}, { sandboxIp: undefined }), { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] });
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'ContainerCreating' } });
    assert.equal(s.podIP, undefined);
    assert.deepEqual(
      s.conditions?.map((c) => [c.type, c.status]),
      [
        ['PodReadyToStartContainers', 'False'],
        ['Initialized', 'True'],
        ['Ready', 'False'],
        ['ContainersReady', 'False'],
        ['PodScheduled', 'True'],
      ],
    );
    assert.equal(s.conditions?.[2]?.message, 'containers with unready status: [app]');
  });

  test('a terminal phase never changes back; transition times are kept while unchanged', () => {
    const first = computePodStatus(pod(), obs({ app: [inst('app', 0, {})] }), undefined);
    const again = computePodStatus(pod(), obs({ app: [inst('app', 0, {})] }, { now: T0 + 60_000 }), first);
    assert.equal(canonicalStatus(again), canonicalStatus(first));
    // Key order does not matter.
    assert.equal(canonicalStatus(Object.fromEntries(Object.entries(again).reverse())), canonicalStatus(first));
    const failed = { ...first, phase: 'Failed', reason: 'DeadlineExceeded' };
    const after = computePodStatus(pod(), obs({ app: [inst('app', 0, {})] }), failed);
    assert.equal(after.phase, 'Failed');
    assert.equal(after.reason, 'DeadlineExceeded');
  });

  test('completed init containers are ready; the app waits with PodInitializing until they finish', () => {
    const p = pod({ initContainers: [{ name: 'i1' }, { name: 'i2' }] });
    const s = computePodStatus(p, obs({ i1: [inst('i1', 0, { state: 'exited', exitCode: 0 })], i2: [inst('i2', 0, {})] }), undefined);
    assert.equal(s.phase, 'Pending');
    assert.equal(s.initContainerStatuses?.[0]?.ready, true);
    assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'PodInitializing' } });
    assert.equal(s.conditions?.find((c) => c.type === 'Initialized')?.message, 'containers with incomplete status: [i2]');
  });
});

test('a terminated container gone from the runtime keeps its last status', () => {
  const prev = computePodStatus(pod({ restartPolicy: 'Never' }), obs({ app: [inst('app', 0, { state: 'exited', exitCode: 0 })] }), undefined);
  const s = computePodStatus(pod({ restartPolicy: 'Never' }), obs({}, { sandboxIp: undefined }), prev);
  assert.equal(s.phase, 'Succeeded');
  assert.deepEqual(s.containerStatuses, prev.containerStatuses);
});
