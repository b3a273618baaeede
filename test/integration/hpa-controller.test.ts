// The HPA controller end to end without root: a hollow node simulates the CPU its pods use (pod
// annotation peapod.dev/hollow-cpu-millicores), metrics.k8s.io serves it, and the controller
// scales a Deployment up while the pods run hot and back down once a rollout makes them idle,
// with upstream's events, conditions and `kubectl get hpa` TARGETS.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, kubectlOk, startServer, type TestServer } from './harness.ts';
import { startHollowNodes, type HollowNodes } from './hollow-harness.ts';
import { cpuHpa, rescaleEvent } from './hpa-fixtures.ts';

function deployment(cpuMilli: number): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' }, annotations: { 'peapod.dev/hollow-cpu-millicores': String(cpuMilli) } },
        spec: { containers: [{ name: 'web', image: 'busybox', resources: { requests: { cpu: '100m' } } }] },
      },
    },
  });
}

describe('HorizontalPodAutoscaler controller (hollow node, simulated CPU)', () => {
  let server: TestServer;
  let hollow: HollowNodes | undefined;

  before(async () => {
    server = await startServer({ args: ['--disable', 'agent', '--horizontal-pod-autoscaler-sync-period', '1s'] });
    hollow = await startHollowNodes(server, { count: 1, prefix: 'hpa-' });
  });

  after(async () => {
    await hollow?.stop();
    await server?.stop();
  });

  it('scales up while pods use 90% of their CPU request against a 50% target, with upstream events', async () => {
    await kubectlOk(server, ['apply', '-f', '-'], deployment(90));
    await kubectlOk(server, ['apply', '-f', '-'], cpuHpa('web', { scaleDownWindowSeconds: 2 }));
    await eventually(
      '3 replicas',
      async () => (await kubectlOk(server, ['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])).trim() === '3',
      90_000,
    );
    await rescaleEvent(server, /^New size: [23]; reason: cpu resource utilization \(percentage of request\) above target$/m);
    await eventually(
      'TARGETS 90%/50% with 3 replicas',
      async () => {
        const out = await kubectlOk(server, ['get', 'hpa', 'web']);
        return /^web\s+Deployment\/web\s+cpu: 90%\/50%\s+1\s+3\s+3\s+/m.test(out) || undefined;
      },
      60_000,
    );
    const described = await kubectlOk(server, ['describe', 'hpa', 'web']);
    assert.match(described, /ScalingLimited\s+True\s+TooManyReplicas\s+the desired replica count is more than the maximum replica count/);
    assert.match(
      described,
      /ScalingActive\s+True\s+ValidMetricFound\s+the HPA was able to successfully calculate a replica count from cpu resource utilization \(percentage of request\)/,
    );
  });

  it('scales back down to the minimum once the pods are idle, after the stabilization window', async () => {
    // A patch, not apply: the Deployment's replicas belong to the HPA now.
    await kubectlOk(server, [
      'patch',
      'deployment',
      'web',
      '-p',
      JSON.stringify({ spec: { template: { metadata: { annotations: { 'peapod.dev/hollow-cpu-millicores': '5' } } } } }),
    ]);
    await eventually(
      '1 replica',
      async () => (await kubectlOk(server, ['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])).trim() === '1',
      120_000,
    );
    // No event check here: at this test's 1 s sync period the controller's FailedGetResourceMetric
    // warnings while pods start use up the 25-event spam budget per object (client-go's
    // EventSourceObjectSpamFilter), so the scale-down event may rightly be dropped. The e2e test
    // (default sync period) checks both rescale events.
    await eventually(
      'HPA status desiredReplicas 1',
      async () => (await kubectlOk(server, ['get', 'hpa', 'web', '-o', 'jsonpath={.status.desiredReplicas}'])).trim() === '1',
    );
  });

  it('reports why it cannot scale when the pods have no CPU request', async () => {
    await kubectlOk(server, ['create', 'deployment', 'norequest', '--image=busybox']);
    await kubectlOk(server, ['autoscale', 'deployment', 'norequest', '--cpu-percent=50', '--max=3']);
    const described = await eventually(
      'FailedGetResourceMetric',
      async () => {
        const out = await kubectlOk(server, ['describe', 'hpa', 'norequest']);
        return /missing request for cpu in container busybox of Pod norequest-/.test(out) ? out : undefined;
      },
      60_000,
    );
    assert.match(
      described,
      /ScalingActive\s+False\s+FailedGetResourceMetric\s+the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu/,
    );
    assert.equal((await kubectlOk(server, ['get', 'deployment', 'norequest', '-o', 'jsonpath={.spec.replicas}'])).trim(), '1');
  });
});
