// A Deployment of busybox httpd pods on real containers: it becomes Available, serves, and a
// rolling update to a new image completes (kubectl rollout status exits 0). Root only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { api, kubectl, type TestServer } from '../integration/harness.ts';
import { deletePodsAndStop, startNodeServer, destroyTestNode, e2eSkipReason, httpGet, type TestNode } from './e2e-harness.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';

const skip = skipUnlessCI(e2eSkipReason());

const deployment = (image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'httpd',
            image,
            command: ['sh', '-c', 'mkdir -p /www && echo "served by $(hostname)" > /www/index.html && exec httpd -f -p 80 -h /www'],
            ports: [{ containerPort: 80 }],
            readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 1 },
          },
        ],
      },
    },
  },
});

describe('Deployment on real containers', { skip, timeout: 180_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;

  before(async () => {
    ({ node, server } = await startNodeServer('deploy'));
  });

  after(async () => {
    if (server) {
      await kubectl(server, ['delete', 'deployment', 'web', '--wait=false']);
      await deletePodsAndStop(server, node);
    }
    if (node) await destroyTestNode(node);
  });

  test('becomes Available, serves from every pod, and rolls out a new image', async () => {
    const applied = await kubectl(server!, ['apply', '-f', '-'], { input: JSON.stringify(deployment('busybox:1.36')) });
    assert.equal(applied.code, 0, applied.stderr);
    const first = await kubectl(server!, ['rollout', 'status', 'deployment/web', '--timeout=90s']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /successfully rolled out/);
    const avail = await kubectl(server!, ['wait', '--for=condition=Available', 'deployment/web', '--timeout=30s']);
    assert.equal(avail.code, 0, avail.stderr);

    const pods = (await api(server!, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).json<{ items: Pod[] }>().items;
    assert.equal(pods.length, 3);
    for (const p of pods) assert.equal(await httpGet(`http://${p.status!.podIP}/`), `served by ${p.metadata!.name}\n`);

    const set = await kubectl(server!, ['set', 'image', 'deployment/web', 'httpd=busybox:1.37']);
    assert.equal(set.code, 0, set.stderr);
    const second = await kubectl(server!, ['rollout', 'status', 'deployment/web', '--timeout=90s']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    const after = (await api(server!, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).json<{ items: Pod[] }>().items;
    const live = after.filter((p) => !p.metadata?.deletionTimestamp);
    assert.equal(live.length, 3);
    for (const p of live) assert.equal(p.spec?.containers[0]?.image, 'busybox:1.37');
    const history = await kubectl(server!, ['rollout', 'history', 'deployment/web']);
    assert.match(history.stdout, /^1\s/m);
    assert.match(history.stdout, /^2\s/m);
  });
});
