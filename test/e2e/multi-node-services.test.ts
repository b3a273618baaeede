// Services across a 3-node dev cluster (`peapod dev cluster`'s library; run under
// `flock /tmp/peapod-devcluster.lock`): a pod on node A reaches, by name, a Service whose pods run
// on B and C (A's nftables DNAT, host-gw routing, A's node-local DNS), both backends answer, and
// the Service's NodePort answers on node A's address from outside the cluster.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { devClusterSkipReason, PREFIX, startDevCluster, type DevCluster, type DevHost } from '../../src/dev/cluster.ts';
import { eventually, kubectlOk } from '../integration/harness.ts';
import { httpGet } from './e2e-harness.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';

const skip = skipUnlessCI(devClusterSkipReason() || (spawnSync('nft', ['--version']).status !== 0 ? 'needs nft (Debian nftables)' : false));

const backends = (nodes: string[]): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [${nodes.join(', ')}]}]
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: busybox
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

const client = (node: string): string => `apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: busybox, command: ["sleep", "100000"]}]
`;

describe('Services across nodes', { skip }, () => {
  let cluster: DevCluster | undefined;

  const kubectl = (args: string[], input?: string): Promise<string> => kubectlOk(cluster!, args, input);

  before(async () => {
    cluster = await startDevCluster({
      nodes: 3,
      dataDir: join(tmpdir(), `${PREFIX}svc-e2e`),
      env: { PEAPOD_LOG_LEVEL: process.env.PEAPOD_LOG_LEVEL ?? 'warn' },
      progress: (l) => process.env.PEAPOD_TEST_VERBOSE && process.stderr.write(`${l}\n`),
    });
  });

  after(async () => {
    await cluster?.stop();
    assert.doesNotMatch(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, new RegExp(PREFIX));
    assert.equal(spawnSync('ip', ['route', 'show', 'proto', '77'], { encoding: 'utf8' }).stdout.trim(), '');
  });

  test('a pod on node A reaches a Service whose pods run on B and C; the NodePort answers on A', { timeout: 180_000 }, async () => {
    const [a, b, c] = cluster!.hosts as [DevHost, DevHost, DevHost];
    await kubectl(['apply', '-f', '-'], backends([b.nodeName, c.nodeName]));
    await kubectl(['apply', '-f', '-'], client(a.nodeName));
    const pods = await eventually(
      '2 backends ready on B and C',
      async () => {
        const list = (JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as { items: Pod[] }).items;
        const ready = list.filter((p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
        return ready.length === 2 ? ready : undefined;
      },
      90_000,
      250,
    );
    assert.deepEqual(pods.map((p) => p.spec?.nodeName).sort(), [b.nodeName, c.nodeName]);
    await eventually(
      'client running on A',
      async () => (JSON.parse(await kubectl(['get', 'pod', 'client', '-o', 'json'])) as Pod).status?.phase === 'Running',
      60_000,
      250,
    );

    const names = pods.map((p) => p.metadata!.name!).sort();
    const seen = await eventually(
      'both backends answer http://web/ from node A',
      async () => {
        const out = await kubectl(['exec', 'client', '--', 'sh', '-c', 'for i in $(seq 20); do timeout 3 wget -qO- http://web/; done']).catch(() => '');
        const got = new Set(out.split('\n').filter(Boolean));
        return got.size === 2 ? [...got].sort() : undefined;
      },
      30_000,
      500,
    );
    assert.deepEqual(seen, names);

    const svc = JSON.parse(await kubectl(['get', 'service', 'web', '-o', 'json'])) as Service;
    const nodePort = svc.spec!.ports![0]!.nodePort!;
    // From the dev LAN (outside every host) to node A, which runs no backend: DNAT + masquerade to B or C.
    const body = await eventually('NodePort on node A', async () => httpGet(`http://${a.ip}:${nodePort}/`).catch(() => undefined), 15_000, 250);
    assert.ok(names.includes(body.trim()), `answered by ${body}`);
  });
});
