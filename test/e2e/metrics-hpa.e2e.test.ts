// Resource metrics and the HPA on real containers (root): a busybox pod spinning under a 200m CPU
// limit shows about 200m in `kubectl top` (the CFS quota caps it), a Deployment of such pods is
// scaled up by an HPA, and back down once a rollout replaces the spinning pods with idle ones.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, getJson, kubectl, kubectlOk, sleep, type TestServer } from '../integration/harness.ts';
import { deletePodsAndStop, destroyTestNode, e2eSkipReason, startNodeServer, type TestNode } from './e2e-harness.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';
import { cpuHpa, rescaleEvent } from '../integration/hpa-fixtures.ts';

const skip = skipUnlessCI(e2eSkipReason());
const SPIN = ['sh', '-c', 'while :; do :; done'];

interface PodMetrics {
  containers: { name: string; usage: { cpu: string; memory: string } }[];
}

/** millicores of a metrics-server CPU quantity (`123456789n`, `250m`, `1`). */
function milli(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(n|u|m)?$/.exec(q);
  if (!m) throw new Error(`unexpected CPU quantity ${q}`);
  const scale = { n: 1e-6, u: 1e-3, m: 1 }[m[2] as 'n' | 'u' | 'm'] ?? 1000;
  return Number(m[1]) * scale;
}

function bytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`unexpected memory quantity ${q}`);
  return Number(m[1]) * ({ Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] as 'Ki'] ?? 1);
}

describe('metrics and HPA on real containers', { skip, timeout: 300_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;

  before(async () => {
    ({ node, server } = await startNodeServer('metrics', ['--horizontal-pod-autoscaler-sync-period', '2s']));
  });

  after(async () => {
    if (server) {
      await kubectl(server, ['delete', 'hpa,deployment', '--all', '--wait=false']);
      await deletePodsAndStop(server, node);
    }
    if (node) await destroyTestNode(node);
  });

  test('kubectl top shows a spinning pod at its 200m CPU limit (±20%) and nonzero memory', async () => {
    await kubectlOk(
      server!,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'burner' },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'spin', image: 'busybox', command: SPIN, resources: { limits: { cpu: '200m' } } }] },
      }),
    );
    await eventually(
      'burner Running',
      async () => (await kubectlOk(server!, ['get', 'pod', 'burner', '-o', 'jsonpath={.status.phase}'])) === 'Running',
      60_000,
    );
    await eventually('metrics for burner', async () => (await kubectl(server!, ['top', 'pod', 'burner'])).code === 0, 30_000);
    // One more scrape window so the rate covers only the steady spin.
    await sleep(6000);
    const m = await getJson<PodMetrics>(server!, '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burner');
    const cpu = milli(m.containers[0]!.usage.cpu);
    assert.ok(cpu >= 160 && cpu <= 240, `CPU ${cpu.toFixed(0)}m should be within 20% of the 200m limit`);
    assert.ok(bytes(m.containers[0]!.usage.memory) > 0, `memory ${m.containers[0]!.usage.memory} should be nonzero`);
    const top = await kubectlOk(server!, ['top', 'pod', 'burner']);
    const shown = Number(/^burner\s+(\d+)m\s+\d+Mi/m.exec(top)?.[1]);
    assert.ok(shown >= 160 && shown <= 240, `kubectl top shows ${shown}m:\n${top}`);
    const nodes = await kubectlOk(server!, ['top', 'nodes']);
    assert.match(nodes, new RegExp(`^${node.nodeName}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, 'm'));
    await kubectlOk(server!, ['delete', 'pod', 'burner', '--grace-period=0', '--force']);
  });

  test('an HPA scales a spinning Deployment up, and down once the pods are idle, with upstream events', async () => {
    await kubectlOk(
      server!,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              terminationGracePeriodSeconds: 0,
              containers: [{ name: 'spin', image: 'busybox', command: SPIN, resources: { requests: { cpu: '100m' }, limits: { cpu: '200m' } } }],
            },
          },
        },
      }),
    );
    await kubectlOk(server!, ['apply', '-f', '-'], cpuHpa('web', { scaleDownWindowSeconds: 5 }));
    await eventually('scaled to 3', async () => (await kubectlOk(server!, ['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])) === '3', 120_000);
    await rescaleEvent(server!, /^New size: 3; reason: cpu resource utilization \(percentage of request\) above target$/m);
    // The load stops: a rollout replaces the spinning pods with idle ones.
    await kubectlOk(server!, [
      'patch',
      'deployment',
      'web',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/command', value: ['sleep', '3600'] }]),
    ]);
    await eventually(
      'scaled back to 1',
      async () => (await kubectlOk(server!, ['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])) === '1',
      150_000,
    );
    await rescaleEvent(server!, /^New size: 1; reason: All metrics below target$/m);
    const hpa = await kubectlOk(server!, ['get', 'hpa', 'web']);
    assert.match(hpa, /^web\s+Deployment\/web\s+cpu: \d+%\/50%\s+1\s+3\s+\d+/m);
  });
});
