// HorizontalPodAutoscaler through the real kubectl: `kubectl autoscale`, the upstream columns,
// v2 defaulting, validation errors, and v1 and v2 views of one stored object.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { API_ONLY, getJson, kubectl, kubectlOk, startServer, type TestServer } from './harness.ts';

interface Hpa {
  apiVersion: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    minReplicas?: number;
    maxReplicas: number;
    targetCPUUtilizationPercentage?: number;
    metrics?: unknown[];
    behavior?: { scaleUp?: unknown; scaleDown?: { stabilizationWindowSeconds?: number } };
  };
  status?: Record<string, unknown>;
}

describe('HorizontalPodAutoscaler API (kubectl)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ args: API_ONLY });
    await kubectlOk(server, ['create', 'deployment', 'web', '--image=busybox']);
  });
  after(async () => server?.stop());

  it('kubectl autoscale creates an HPA that kubectl get hpa shows with upstream columns', async () => {
    const out = await kubectlOk(server, ['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5']);
    assert.match(out, /horizontalpodautoscaler\.autoscaling\/web autoscaled/);
    const table = await kubectlOk(server, ['get', 'hpa']);
    assert.match(table, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/m);
    assert.match(table, /^web\s+Deployment\/web\s+cpu: <unknown>\/50%\s+1\s+5\s+0\s+\d+s$/m);
  });

  it('serves the object as v2 (defaulted) and as v1 (CPU target), from one storage', async () => {
    const v2 = await getJson<Hpa>(server, '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web');
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    assert.deepEqual(v2.spec.behavior?.scaleUp, {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    });
    const v1 = await getJson<Hpa>(server, '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web');
    assert.equal(v1.apiVersion, 'autoscaling/v1');
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 50);
    assert.equal(v1.spec.metrics, undefined);
  });

  it('keeps v2-only fields through a v1 update (annotations), as upstream', async () => {
    await kubectlOk(
      server,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'mem' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          maxReplicas: 3,
          metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }],
          behavior: { scaleDown: { stabilizationWindowSeconds: 30 } },
        },
      }),
    );
    const v1 = await getJson<Hpa>(server, '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/mem');
    assert.ok(v1.metadata.annotations?.['autoscaling.alpha.kubernetes.io/metrics']);
    await kubectlOk(server, ['patch', 'horizontalpodautoscalers.v1.autoscaling', 'mem', '--type=merge', '-p', '{"spec":{"maxReplicas":4}}']);
    const v2 = await getJson<Hpa>(server, '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/mem');
    assert.equal(v2.spec.maxReplicas, 4);
    assert.equal(v2.spec.behavior?.scaleDown?.stabilizationWindowSeconds, 30);
    assert.equal(v2.metadata.annotations?.['autoscaling.alpha.kubernetes.io/metrics'], undefined);
    const row = (await kubectlOk(server, ['get', 'hpa', 'mem'])).split('\n')[1] ?? '';
    assert.match(row, /^mem\s+Deployment\/web\s+memory: <unknown>\/100Mi\s+1\s+4\s+0/);
  });

  it('refuses invalid specs with upstream messages and stores nothing', async () => {
    const bad = await kubectl(server, ['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'bad' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 3,
          maxReplicas: 2,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }],
          behavior: { scaleUp: { stabilizationWindowSeconds: 4000, policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } },
        },
      }),
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The HorizontalPodAutoscaler "bad" is invalid/);
    assert.match(bad.stderr, /spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`/);
    assert.match(bad.stderr, /spec.metrics\[0\].resource.target.averageUtilization: Invalid value: 0: must be greater than 0/);
    assert.match(bad.stderr, /spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600/);
    assert.match(bad.stderr, /spec.behavior.scaleUp.policies\[0\].value: Invalid value: 0: must be greater than zero/);
    const get = await kubectl(server, ['get', 'hpa', 'bad']);
    assert.match(get.stderr, /horizontalpodautoscalers.autoscaling "bad" not found/);
    const v1bad = await kubectl(server, ['autoscale', 'deployment', 'web', '--name=zero', '--max=0']);
    assert.notEqual(v1bad.code, 0);
  });

  it('kubectl delete hpa removes it for both versions', async () => {
    await kubectlOk(server, ['delete', 'hpa', 'web', 'mem']);
    assert.equal((await kubectlOk(server, ['get', 'hpa', '-o', 'name'])).trim(), '');
    const v1 = await kubectl(server, ['get', 'horizontalpodautoscalers.v1.autoscaling', 'web']);
    assert.match(v1.stderr, /not found/);
  });
});

describe('HorizontalPodAutoscaler hostile input', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ args: API_ONLY });
  });
  after(async () => server?.stop());

  it('refuses malformed v2-only annotations on a v1 object without a server error, and ignores garbage JSON', async () => {
    const base = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 2 },
    };
    const bad = await kubectl(server, ['create', '-f', '-'], {
      input: JSON.stringify({
        ...base,
        metadata: {
          name: 'bad',
          annotations: {
            'autoscaling.alpha.kubernetes.io/behavior': '{"scaleUp":{"policies":5}}',
            'autoscaling.alpha.kubernetes.io/metrics': '[1,null,{"type":"Resource"}]',
          },
        },
      }),
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /is invalid/);
    assert.doesNotMatch(bad.stderr, /InternalError|500/);
    const junk = await kubectl(server, ['create', '-f', '-'], {
      input: JSON.stringify({
        ...base,
        metadata: { name: 'junk', annotations: { 'autoscaling.alpha.kubernetes.io/metrics': 'not json', 'autoscaling.alpha.kubernetes.io/conditions': '{}' } },
      }),
    });
    assert.equal(junk.code, 0, junk.stderr);
    const v2 = await getJson<Hpa>(server, '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/junk');
    assert.equal(v2.spec.maxReplicas, 2);
  });
});
