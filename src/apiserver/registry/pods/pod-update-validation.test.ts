import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { invalid } from '../../errors.ts';
import { podStatusPrepareForUpdate, pods, validatePodStatusUpdate } from '../pods.ts';
import type { KObject } from '../types.ts';

function created(spec: Record<string, unknown> = {}): Pod {
  const obj = {
    metadata: { name: 'p', namespace: 'default', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'c', image: 'nginx:1' }], ...spec },
  } as unknown as KObject;
  pods.defaults?.(obj);
  pods.prepareForCreate?.(obj, { now: () => new Date() });
  return obj as unknown as Pod;
}

/** The update path of the store: defaults, prepareForUpdate, validate, validateUpdate. */
function update(old: Pod, mutate: (p: Pod & { spec: NonNullable<Pod['spec']> }) => void): string[] {
  const next = structuredClone(old) as Pod & { spec: NonNullable<Pod['spec']> };
  mutate(next);
  const obj = next as unknown as KObject;
  const prev = old as unknown as KObject;
  pods.defaults?.(obj);
  pods.prepareForUpdate?.(obj, prev);
  return [...(pods.validate?.(obj) ?? []), ...(pods.validateUpdate?.(obj, prev) ?? [])].map((e) => e.toString());
}

test('image changes are allowed', () => {
  assert.deepEqual(
    update(created(), (p) => {
      p.spec.containers[0]!.image = 'nginx:2';
    }),
    [],
  );
});

test('other spec changes: one Forbidden at spec with the upstream message', () => {
  const old = created();
  const next = structuredClone(old) as unknown as KObject & { spec: { containers: { ports?: unknown }[] } };
  next.spec.containers[0]!.ports = [{ containerPort: 80 }];
  pods.defaults?.(next);
  const errs = pods.validateUpdate?.(next, old as unknown as KObject) ?? [];
  assert.equal(errs.length, 1);
  const msg = invalid('', 'Pod', 'p', errs).message;
  assert.ok(
    msg.startsWith(
      'Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
    ),
    msg,
  );
  assert.match(msg, /containers\[0\]\.ports/);
});

test('nodeName may not change through update', () => {
  const old = created({ nodeName: 'n1' });
  const errs = update(old, (p) => {
    p.spec.nodeName = 'n2';
  });
  assert.equal(errs.length, 1);
  assert.match(errs[0] ?? '', /^spec: Forbidden: pod updates may not change fields other than/);
});

test('activeDeadlineSeconds: set or lower only', () => {
  const old = created({ activeDeadlineSeconds: 100 });
  assert.deepEqual(
    update(old, (p) => {
      p.spec.activeDeadlineSeconds = 50;
    }),
    [],
  );
  assert.deepEqual(
    update(old, (p) => {
      p.spec.activeDeadlineSeconds = 200;
    }),
    ['spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value'],
  );
  assert.deepEqual(
    update(old, (p) => {
      delete p.spec.activeDeadlineSeconds;
    }),
    ['spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value'],
  );
  assert.deepEqual(
    update(created(), (p) => {
      p.spec.activeDeadlineSeconds = 10;
    }),
    [],
  );
});

test('tolerations: additions only', () => {
  const old = created({ tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }] });
  assert.deepEqual(
    update(old, (p) => {
      p.spec.tolerations = [...(p.spec.tolerations ?? []), { key: 'b', operator: 'Exists' }];
    }),
    [],
  );
  assert.deepEqual(
    update(old, (p) => {
      p.spec.tolerations![0]!.tolerationSeconds = 5;
    }),
    [],
  );
  assert.deepEqual(
    update(old, (p) => {
      p.spec.tolerations = p.spec.tolerations!.slice(1);
    }),
    ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds'],
  );
});

test('schedulingGates: removal only', () => {
  const old = created({ schedulingGates: [{ name: 'example.com/a' }] });
  assert.equal(old.status?.conditions?.[0]?.reason, 'SchedulingGated');
  assert.deepEqual(
    update(old, (p) => {
      p.spec.schedulingGates = [];
    }),
    [],
  );
  assert.deepEqual(
    update(old, (p) => {
      p.spec.schedulingGates = [{ name: 'example.com/a' }, { name: 'example.com/b' }];
    }),
    ["spec.schedulingGates[1].name: Forbidden: only deletion is allowed, but found new scheduling gate 'example.com/b'"],
  );
});

test('main resource keeps the old status', () => {
  const old = created();
  const next = structuredClone(old) as unknown as KObject;
  next.status = { phase: 'Running' };
  pods.prepareForUpdate?.(next, old as unknown as KObject);
  assert.deepEqual(next.status, old.status);
});

test('status subresource keeps spec, takes status', () => {
  const old = created({ nodeName: 'n1' });
  const next = structuredClone(old) as unknown as KObject & Pod;
  (next as unknown as { spec: { nodeName: string } }).spec.nodeName = 'n2';
  (next as unknown as { status: unknown }).status = { phase: 'Running' };
  podStatusPrepareForUpdate(next, old as unknown as KObject);
  assert.equal(next.spec?.nodeName, 'n1');
  assert.equal(next.status?.phase, 'Running');
  assert.equal(next.status?.qosClass, 'BestEffort');
  assert.deepEqual(validatePodStatusUpdate(next, old), []);
});

test('status update: a terminated container stays terminated under restartPolicy Never', () => {
  const old = created({ restartPolicy: 'Never' }) as Pod & { status: object };
  const oldWithStatus = { ...old, status: { ...old.status, containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0 } } }] } } as unknown as Pod;
  const next = { ...oldWithStatus, status: { containerStatuses: [{ name: 'c', state: { running: {} } }] } } as unknown as Pod;
  assert.deepEqual(validatePodStatusUpdate(next, oldWithStatus).map(String), [
    'status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state',
  ]);
});
