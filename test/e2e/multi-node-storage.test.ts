// Node-local volumes on the 3-node dev cluster (root; run it under
// `flock /tmp/peapod-devcluster.lock`, one dev cluster per machine): a WaitForFirstConsumer claim of
// the built-in local-path class is provisioned on the node its first pod lands on, and a pod
// using it later is scheduled only there — even when it prefers another node — and stays Pending
// with upstream's FailedScheduling message while that node is cordoned.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { devClusterSkipReason, PREFIX, startDevCluster, type DevCluster } from '../../src/dev/cluster.ts';
import { eventually, kubectlOk } from '../integration/harness.ts';

const skip = devClusterSkipReason();

const CLAIM =
  'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 64Mi}}}\n';
const pod = (preferNode?: string): string => `apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  terminationGracePeriodSeconds: 1
${
  preferNode
    ? `  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        preference: {matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [${preferNode}]}]}
`
    : ''
}  containers:
  - name: c
    image: busybox
    imagePullPolicy: Never
    command: [sh, -c, '[ -f /data/node ] || echo $NODE > /data/node; exec sleep 100000']
    env: [{name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
`;

describe('node-local volumes on a multi-node cluster', { skip }, () => {
  let cluster: DevCluster | undefined;

  const kubectl = (args: string[], input?: string): Promise<string> => kubectlOk(cluster!, args, input);
  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
  const running = () =>
    eventually(
      'app Running',
      async () => {
        const p = await json<Pod>(['get', 'pod', 'app']).catch(() => undefined);
        return p?.status?.phase === 'Running' && !p.metadata?.deletionTimestamp && p;
      },
      90_000,
    );
  const deletePod = async () => {
    await kubectl(['delete', 'pod', 'app', '--wait=true']);
  };

  before(async () => {
    cluster = await startDevCluster({
      nodes: 3,
      dataDir: join(tmpdir(), `${PREFIX}e2e-storage`),
      env: { PEAPOD_LOG_LEVEL: process.env.PEAPOD_LOG_LEVEL ?? 'warn' },
    });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('a pod follows its volume to the node it was provisioned on', { timeout: 240_000 }, async () => {
    await kubectl(['apply', '-f', '-'], CLAIM);
    await kubectl(['apply', '-f', '-'], pod());
    const first = await running();
    const nodeB = first.spec?.nodeName ?? '';
    const claim = await json<PersistentVolumeClaim>(['get', 'pvc', 'data']);
    assert.equal(claim.status?.phase, 'Bound');
    const pv = await json<PersistentVolume>(['get', 'pv', claim.spec?.volumeName ?? '']);
    const dir = pv.spec?.hostPath?.path ?? '';
    const host = cluster!.hosts.find((h) => h.nodeName === nodeB)!;
    assert.ok(dir.startsWith(join(host.dataDir, 'agent', 'storage')), `${dir} is under ${nodeB}'s agent data dir`);
    await eventually('data written on the node', async () => existsSync(join(dir, 'node')));

    // Preferring another node does not move it: the volume exists only on nodeB.
    const other = cluster!.hosts.map((h) => h.nodeName).find((n) => n !== nodeB)!;
    await deletePod();
    await kubectl(['apply', '-f', '-'], pod(other));
    const second = await running();
    assert.equal(second.spec?.nodeName, nodeB);
    assert.notEqual(second.metadata?.uid, first.metadata?.uid);
    assert.equal((await kubectl(['exec', 'app', '--', 'cat', '/data/node'])).trim(), nodeB);

    await deletePod();
    await kubectl(['cordon', nodeB]);
    await kubectl(['apply', '-f', '-'], pod());
    const msg = await eventually('FailedScheduling', async () => {
      const p = await json<Pod>(['get', 'pod', 'app']);
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False')?.message;
    });
    assert.equal(
      msg,
      '0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) had volume node affinity conflict. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
    assert.match(await kubectl(['describe', 'pod', 'app']), /FailedScheduling\s+.*2 node\(s\) had volume node affinity conflict/);
    await kubectl(['uncordon', nodeB]);
    assert.equal((await running()).spec?.nodeName, nodeB);
    await kubectl(['delete', 'pod', 'app', '--grace-period=0', '--force']);
  });
});
