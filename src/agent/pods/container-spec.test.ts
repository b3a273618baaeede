import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { HollowPodStorage } from '../hollow/hollow-storage.ts';
import { buildContainerSpec } from './container-spec.ts';
import { expand } from './expansion.ts';
import { oomScoreAdj, podQos } from './qos.ts';
import { milliValue, parseQuantity } from '../../api/index.ts';
import { FakeApi } from './testing.ts';

describe('quantities', () => {
  test('binary and decimal suffixes, exponents, millis', () => {
    assert.equal(parseQuantity('1Gi'), 2 ** 30);
    assert.equal(parseQuantity('128974848'), 128974848);
    assert.equal(parseQuantity('129M'), 129e6);
    assert.equal(parseQuantity('12e6'), 12e6);
    assert.equal(milliValue('500m'), 500);
    assert.equal(milliValue('0.1'), 100);
    assert.equal(milliValue('2'), 2000);
    assert.throws(() => parseQuantity('1GB'));
  });
});

describe('$(VAR) expansion', () => {
  const vars = new Map([
    ['A', 'a'],
    ['EMPTY', ''],
  ]);
  const lookup = (n: string) => vars.get(n);
  const cases: [string, string][] = [
    ['$(A)', 'a'],
    ['x$(A)y', 'xay'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$a'],
    ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['$(A', '$(A'],
    ['$A', '$A'],
    ['$', '$'],
    ['$(EMPTY)x', 'x'],
    ['$()', '$()'],
    ['a$$b', 'a$b'],
    ['$(A)$(A)', 'aa'],
  ];
  for (const [input, want] of cases) test(`${input} → ${want}`, () => assert.equal(expand(input, lookup), want));
});

function pod(over: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'web' }, annotations: { 'peapod.dev/hollow-exit-code': '3', other: 'x' } },
    spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [{ name: 'c', image: 'busybox' }], ...over },
  };
}

describe('buildContainerSpec', () => {
  const storage = new HollowPodStorage();
  const opts = (api: FakeApi, volumes = new Map<string, string>()) => ({
    api,
    node: api.nodeInfo(),
    podIp: '10.42.0.5',
    attempt: 2,
    volumes,
    storage,
    memoryCapacityBytes: 8 * 2 ** 30,
  });

  test('env: values, expansion, downward API, resources, configMap/secret, envFrom', async () => {
    const api = new FakeApi();
    api.configMaps.set('ns/cfg', { metadata: { name: 'cfg' }, data: { k1: 'v1', 'bad-key': 'x', K2: 'v2' } });
    api.secrets.set('ns/sec', { metadata: { name: 'sec' }, data: { pw: Buffer.from('hunter2').toString('base64') } });
    const p = pod({
      containers: [
        {
          name: 'c',
          image: 'busybox',
          command: ['sh', '-c', 'echo $(GREETING) $$(HOME) $(NOPE)'],
          args: ['$(POD_NAME)'],
          resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m' } },
          envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CM_' }, { secretRef: { name: 'missing', optional: true } }],
          env: [
            { name: 'GREETING', value: 'hello $(CM_k1)' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
            { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
            { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
            { name: 'MEM_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
            { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
            { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
            { name: 'PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'pw' } } },
            { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
          ],
        },
      ],
    });
    const spec = await buildContainerSpec(p, p.spec?.containers[0] ?? { name: '' }, opts(api));
    const env = Object.fromEntries((spec.env ?? []).map((e) => [e.name, e.value]));
    assert.deepEqual(env, {
      CM_k1: 'v1',
      'CM_bad-key': 'x',
      CM_K2: 'v2',
      GREETING: 'hello v1',
      POD_NAME: 'p',
      NS: 'ns',
      UID: 'u1',
      APP: 'web',
      NODE: 'n1',
      SA: 'sa',
      POD_IP: '10.42.0.5',
      HOST_IP: '192.0.2.10',
      MEM_LIMIT: '64',
      CPU_LIMIT: '4',
      CPU_REQ: '250',
      PW: 'hunter2',
    });
    assert.deepEqual(spec.command, ['sh', '-c', 'echo hello v1 $(HOME) $(NOPE)']);
    assert.deepEqual(spec.args, ['p']);
    assert.equal(spec.attempt, 2);
    assert.equal(spec.resources?.memoryLimitBytes, 64 * 2 ** 20);
    assert.equal(spec.resources?.cpuRequestMilli, 250);
    assert.equal(spec.resources?.oomScoreAdj, 999, 'Burstable without a memory request');
    assert.equal(spec.labels?.['peapod.dev/hollow-exit-code'], '3');
    assert.equal(spec.labels?.other, undefined);
  });

  test('missing configMap/secret/key → CreateContainerConfigError with kubelet wording', async () => {
    const api = new FakeApi();
    api.configMaps.set('ns/cfg', { metadata: { name: 'cfg' }, data: {} });
    const mk = (env: NonNullable<Pod['spec']>['containers'][number]['env']) => pod({ containers: [{ name: 'c', image: 'b', env }] });
    const run = (p: Pod) => buildContainerSpec(p, p.spec?.containers[0] ?? { name: '' }, opts(api));
    await assert.rejects(run(mk([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'x', key: 'k' } } }])), {
      reason: 'CreateContainerConfigError',
      message: 'configmap "x" not found',
    });
    await assert.rejects(run(mk([{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }])), { message: 'secret "s" not found' });
    await assert.rejects(run(mk([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }])), {
      message: "couldn't find key k in ConfigMap ns/cfg",
    });
  });

  test('mounts: volumes, subPath, subPathExpr, readOnly, termination log; security merge', async () => {
    const api = new FakeApi();
    const p = pod({
      securityContext: { runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000 },
      containers: [
        {
          name: 'c',
          image: 'b',
          terminationMessagePath: '/tmp/msg',
          env: [{ name: 'D', value: 'sub' }],
          securityContext: { runAsUser: 65534, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          volumeMounts: [
            { name: 'data', mountPath: '/data', readOnly: true },
            { name: 'data', mountPath: '/x', subPathExpr: '$(D)/y' },
          ],
        },
      ],
    });
    const spec = await buildContainerSpec(p, p.spec?.containers[0] ?? { name: '' }, opts(api, new Map([['data', '/v/data']])));
    assert.deepEqual(spec.mounts, [
      { containerPath: '/data', hostPath: '/v/data', readOnly: true },
      { containerPath: '/x', hostPath: '/v/data/sub/y', readOnly: false },
      { containerPath: '/tmp/msg', hostPath: '/hollow/pods/u1/containers/c/2.termination-log' },
    ]);
    assert.deepEqual(spec.security, {
      runAsUser: 65534,
      runAsGroup: 2000,
      supplementalGroups: [3000],
      privileged: undefined,
      readOnlyRootFilesystem: true,
      capabilities: { add: undefined, drop: ['ALL'] },
      allowPrivilegeEscalation: undefined,
    });
    const bad = pod({ containers: [{ name: 'c', image: 'b', volumeMounts: [{ name: 'nope', mountPath: '/n' }] }] });
    await assert.rejects(buildContainerSpec(bad, bad.spec?.containers[0] ?? { name: '' }, opts(api)), { reason: 'CreateContainerConfigError' });
  });

  test('QoS class and oomScoreAdj (never below 0 on this host)', () => {
    const g = pod({ containers: [{ name: 'c', resources: { limits: { cpu: '1', memory: '1Gi' } } }] });
    const b = pod({ containers: [{ name: 'c', resources: { requests: { memory: '4Gi' } } }] });
    const be = pod();
    assert.equal(podQos(g), 'Guaranteed');
    assert.equal(podQos(b), 'Burstable');
    assert.equal(podQos(be), 'BestEffort');
    assert.equal(oomScoreAdj(g, g.spec?.containers[0] ?? { name: '' }, 8 * 2 ** 30), 0);
    assert.equal(oomScoreAdj(b, b.spec?.containers[0] ?? { name: '' }, 8 * 2 ** 30), 500);
    assert.equal(oomScoreAdj(be, be.spec?.containers[0] ?? { name: '' }, 8 * 2 ** 30), 1000);
  });
});
