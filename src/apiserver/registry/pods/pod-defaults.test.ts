import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { pods } from '../pods.ts';
import type { KObject } from '../types.ts';
import { defaultPullPolicy } from './pod-defaults.ts';

function defaulted(pod: Pod): Pod {
  const obj = structuredClone(pod) as unknown as KObject;
  pods.defaults?.(obj);
  return obj as unknown as Pod;
}

const basic: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] },
};

test('pod spec defaults', () => {
  const spec = defaulted(basic).spec;
  assert.equal(spec?.restartPolicy, 'Always');
  assert.equal(spec?.terminationGracePeriodSeconds, 30);
  assert.equal(spec?.dnsPolicy, 'ClusterFirst');
  assert.deepEqual(spec?.securityContext, {});
  assert.equal(spec?.schedulerName, 'default-scheduler');
  assert.equal(spec?.enableServiceLinks, true);
  assert.equal(spec?.serviceAccountName, 'default');
  assert.equal(spec?.serviceAccount, 'default');
  assert.equal(spec?.priority, 0);
  assert.equal(spec?.preemptionPolicy, 'PreemptLowerPriority');
  assert.deepEqual(spec?.tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  const c = spec?.containers[0];
  assert.equal(c?.imagePullPolicy, 'Always');
  assert.equal(c?.terminationMessagePath, '/dev/termination-log');
  assert.equal(c?.terminationMessagePolicy, 'File');
  assert.equal(c?.ports?.[0]?.protocol, 'TCP');
  assert.deepEqual(c?.resources, {});
});

test('defaults are idempotent and keep user tolerations', () => {
  const once = defaulted({ ...basic, spec: { ...basic.spec!, tolerations: [{ operator: 'Exists' }] } });
  assert.deepEqual(once.spec?.tolerations, [{ operator: 'Exists' }]);
  assert.deepEqual(defaulted(defaulted(basic)), defaulted(basic));
});

test('imagePullPolicy from the tag', () => {
  assert.equal(defaultPullPolicy('nginx'), 'Always');
  assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
  assert.equal(defaultPullPolicy('nginx:1.25'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('localhost:5000/nginx'), 'Always');
  assert.equal(defaultPullPolicy('localhost:5000/nginx:1'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('nginx@sha256:abc'), 'IfNotPresent');
});

test('requests default to limits; volumes get their defaults', () => {
  const p = defaulted({
    ...basic,
    spec: {
      containers: [{ name: 'c', image: 'x:1', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } } }],
      volumes: [{ name: 'a' }, { name: 'b', configMap: { name: 'cm' } }, { name: 'c', secret: { secretName: 's' } }],
    },
  });
  assert.deepEqual(p.spec?.containers[0]?.resources?.requests, { cpu: '500m', memory: '1Gi' });
  assert.deepEqual(p.spec?.volumes?.[0], { name: 'a', emptyDir: {} });
  assert.equal(p.spec?.volumes?.[1]?.configMap?.defaultMode, 420);
  assert.equal(p.spec?.volumes?.[2]?.secret?.defaultMode, 420);
});
