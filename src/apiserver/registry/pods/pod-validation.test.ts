import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { invalid } from '../../errors.ts';
import { pods } from '../pods.ts';
import type { KObject } from '../types.ts';

/** Defaults then validates, as the store does on create; returns the error strings. */
function check(spec: Partial<PodSpec>, name = 'p'): string[] {
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec } as unknown as KObject;
  pods.defaults?.(obj);
  return (pods.validate?.(obj) ?? []).map((e) => e.toString());
}

const c = (extra: Record<string, unknown> = {}) => ({ name: 'c', image: 'nginx:1', ...extra });

test('a valid pod has no errors', () => {
  assert.deepEqual(check({ containers: [c({ ports: [{ containerPort: 80, name: 'http' }] })] }), []);
});

test('containers are required', () => {
  assert.deepEqual(check({ containers: [] }), ['spec.containers: Required value']);
});

test('image required: the kubectl message', () => {
  const obj = { metadata: { name: 'x', namespace: 'default' }, spec: { containers: [{ name: 'c' }] } } as unknown as KObject;
  pods.defaults?.(obj);
  const err = invalid('', 'Pod', 'x', pods.validate?.(obj) ?? []);
  assert.equal(err.message, 'Pod "x" is invalid: spec.containers[0].image: Required value');
});

test('container names: required, DNS-1123 label, unique across init and regular', () => {
  assert.deepEqual(check({ containers: [{ image: 'x:1' }] as PodSpec['containers'] }), ['spec.containers[0].name: Required value']);
  assert.match(check({ containers: [c({ name: 'Bad' })] })[0] ?? '', /^spec\.containers\[0\]\.name: Invalid value: "Bad": a lowercase RFC 1123 label/);
  assert.deepEqual(check({ containers: [c(), c()] }), ['spec.containers[1].name: Duplicate value: "c"']);
  assert.deepEqual(check({ containers: [c()], initContainers: [c()] }), ['spec.initContainers[0].name: Duplicate value: "c"']);
});

test('ports', () => {
  assert.deepEqual(check({ containers: [c({ ports: [{ containerPort: 70000 }] })] }), [
    'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
  ]);
  assert.deepEqual(
    check({
      containers: [
        c({
          ports: [
            { containerPort: 80, name: 'web' },
            { containerPort: 81, name: 'web' },
          ],
        }),
      ],
    }),
    ['spec.containers[0].ports[1].name: Duplicate value: "web"'],
  );
  assert.deepEqual(check({ containers: [c({ ports: [{ containerPort: 80, protocol: 'HTTP' }] })] }), [
    'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
  ]);
  assert.deepEqual(
    check({
      containers: [
        c({
          ports: [
            { containerPort: 80, hostPort: 8080 },
            { containerPort: 81, hostPort: 8080 },
          ],
        }),
      ],
    }),
    ['spec.containers[0].ports[1].hostPort: Duplicate value: "TCP//8080"'],
  );
});

test('volumes and mounts', () => {
  assert.deepEqual(check({ containers: [c({ volumeMounts: [{ name: 'x', mountPath: '/x' }] })] }), ['spec.containers[0].volumeMounts[0].name: Not found: "x"']);
  assert.deepEqual(
    check({
      containers: [c()],
      volumes: [
        { name: 'v', emptyDir: {} },
        { name: 'v', emptyDir: {} },
      ],
    }),
    ['spec.volumes[1].name: Duplicate value: "v"'],
  );
  assert.match(check({ containers: [c()], volumes: [{ name: 'V_1', emptyDir: {} }] })[0] ?? '', /^spec\.volumes\[0\]\.name: Invalid value: "V_1"/);
});

test('resources: quantities and requests <= limits', () => {
  // Requests default to limits, so the bad limit shows up under both.
  assert.equal(
    check({ containers: [c({ resources: { limits: { cpu: 'lots' } } })] })[0],
    `spec.containers[0].resources.limits[cpu]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
  );
  assert.deepEqual(check({ containers: [c({ resources: { limits: { memory: '1Gi' }, requests: { memory: '2Gi' } } })] }), [
    'spec.containers[0].resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi',
  ]);
});

test('enums', () => {
  assert.deepEqual(check({ containers: [c()], restartPolicy: 'Sometimes' }), [
    'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
  ]);
  assert.deepEqual(check({ containers: [c()], dnsPolicy: 'Bogus' }), [
    'spec.dnsPolicy: Unsupported value: "Bogus": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"',
  ]);
  assert.deepEqual(check({ containers: [c({ imagePullPolicy: 'Sometimes' })] }), [
    'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
  ]);
});

test('deadlines and grace periods', () => {
  assert.deepEqual(check({ containers: [c()], activeDeadlineSeconds: 0 }), [
    'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive',
  ]);
  assert.deepEqual(check({ containers: [c()], terminationGracePeriodSeconds: -5 }), [
    'spec.terminationGracePeriodSeconds: Invalid value: -5: must be greater than or equal to 0',
  ]);
});

test('tolerations', () => {
  assert.deepEqual(check({ containers: [c()], tolerations: [{ operator: 'Equal', value: 'x' }] }), [
    'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
  ]);
  assert.deepEqual(check({ containers: [c()], tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }] }), [
    'spec.tolerations[0].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set',
  ]);
});

test('init container restartPolicy: only Always', () => {
  assert.deepEqual(check({ containers: [c()], initContainers: [c({ name: 'i', restartPolicy: 'Never' })] }), [
    'spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported values: "Always"',
  ]);
  assert.deepEqual(check({ containers: [c()], initContainers: [c({ name: 'i', restartPolicy: 'Always' })] }), []);
});

test('prepareForCreate resets status with the QoS class', () => {
  const mk = (resources: unknown): Pod => {
    const obj = { metadata: { name: 'p', namespace: 'd' }, spec: { containers: [c({ resources })] }, status: { phase: 'Running' } } as unknown as KObject;
    pods.defaults?.(obj);
    pods.prepareForCreate?.(obj, { now: () => new Date() });
    return obj as unknown as Pod;
  };
  assert.deepEqual(mk(undefined).status, { phase: 'Pending', qosClass: 'BestEffort' });
  assert.equal(mk({ requests: { cpu: '100m' } }).status?.qosClass, 'Burstable');
  assert.equal(mk({ limits: { cpu: '1', memory: '1Gi' } }).status?.qosClass, 'Guaranteed');
});
