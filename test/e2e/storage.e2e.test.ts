// Persistent storage on real containers (root): a StatefulSet whose pods keep their data across
// deletion and scaling, claims removed with whenScaled Delete, and a claim deleted while a pod uses
// it (Terminating until the pod is gone; then the directory goes with reclaim Delete, or the
// volume is Released with Retain). Volumes come from the built-in local-path provisioner, so their
// directories live under the embedded agent's data dir and can be checked on disk.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { api, eventually, getJson, kubectl, kubectlOk, startServer, type TestServer } from '../integration/harness.ts';
import { deletePodsAndStop, destroyTestNode, e2eSkipReason, startNodeServer, waitPod, type TestNode } from './e2e-harness.ts';

const skip = e2eSkipReason();

// Each pod records, once, who first wrote its volume; later incarnations only read it.
const STS = `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: [sh, -c, '[ -f /data/first ] || { hostname > /data/name; echo $MY_UID > /data/first; }; exec sleep 3600']
        env: [{name: MY_UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}]
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 64Mi}}}
`;

const solo = (name: string, cls?: string): string => `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
${cls ? `  storageClassName: ${cls}\n` : ''}---
apiVersion: v1
kind: Pod
metadata: {name: ${name}-user}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {fsGroup: 2345}
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo kept > /data/file && exec sleep 3600']
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: ${name}}}]
`;

describe('persistent storage on real containers', { skip, timeout: 300_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;

  before(async () => {
    ({ node, server } = await startNodeServer('storage'));
  });
  after(async () => {
    if (server) {
      await kubectl(server, ['delete', 'sts', '--all', '--wait=false']);
      await deletePodsAndStop(server, node);
    }
    if (node) await destroyTestNode(node);
  });

  const running = (name: string) => waitPod(server!, name, 'Running', (p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp, 90_000);
  const read = async (pod: string, file: string) => (await kubectlOk(server!, ['exec', pod, '--', 'cat', `/data/${file}`])).trim();
  const claim = (name: string) => getJson<PersistentVolumeClaim>(server!, `/api/v1/namespaces/default/persistentvolumeclaims/${name}`);
  const volumeOf = async (claimName: string) => getJson<PersistentVolume>(server!, `/api/v1/persistentvolumes/${(await claim(claimName)).spec?.volumeName}`);
  const gone = (path: string) => eventually(`${path} gone`, async () => (await api(server!, 'GET', path)).status === 404, 60_000);

  test('a StatefulSet pod finds its data again after deletion and after scaling 3 → 1 → 3', async () => {
    await kubectlOk(server!, ['apply', '-f', '-'], STS);
    const first = new Map<string, string>();
    for (const name of ['db-0', 'db-1', 'db-2']) {
      const p = await running(name);
      assert.equal(await eventually(`${name} wrote`, () => read(name, 'name').catch(() => undefined)), name);
      first.set(name, p.metadata?.uid ?? '');
      assert.equal(await read(name, 'first'), p.metadata?.uid);
    }
    const dir = (await volumeOf('data-db-1')).spec?.hostPath?.path ?? '';
    assert.ok(dir.startsWith(`${node.agentDir}/storage/`), dir);

    await kubectlOk(server!, ['delete', 'pod', 'db-1']);
    const again = await eventually('db-1 recreated', async () => {
      const p = await running('db-1');
      return p.metadata?.uid !== first.get('db-1') && p;
    });
    assert.notEqual(again.metadata?.uid, first.get('db-1'));
    assert.equal(await read('db-1', 'first'), first.get('db-1'), 'the new pod reads what the old one wrote');

    await kubectlOk(server!, ['scale', 'sts', 'db', '--replicas=1']);
    await gone('/api/v1/namespaces/default/pods/db-2');
    await gone('/api/v1/namespaces/default/pods/db-1');
    assert.equal((await claim('data-db-2')).status?.phase, 'Bound', 'Retain keeps the claims');
    await kubectlOk(server!, ['scale', 'sts', 'db', '--replicas=3']);
    await running('db-2');
    assert.equal(await read('db-2', 'first'), first.get('db-2'));
    assert.equal(await read('db-2', 'name'), 'db-2');
  });

  test('whenScaled Delete removes the claims of removed ordinals and their directories', async () => {
    const dirs = await Promise.all(['data-db-1', 'data-db-2'].map(async (c) => (await volumeOf(c)).spec?.hostPath?.path ?? ''));
    await kubectlOk(server!, ['patch', 'sts', 'db', '--type=merge', '-p', '{"spec":{"persistentVolumeClaimRetentionPolicy":{"whenScaled":"Delete"}}}']);
    await kubectlOk(server!, ['scale', 'sts', 'db', '--replicas=1']);
    await gone('/api/v1/namespaces/default/persistentvolumeclaims/data-db-1');
    await gone('/api/v1/namespaces/default/persistentvolumeclaims/data-db-2');
    for (const d of dirs) await eventually(`${d} removed`, async () => !existsSync(d), 60_000);
    assert.equal(await read('db-0', 'name'), 'db-0', 'the kept ordinal still has its data');
  });

  test('kill -9 of the server and its agent loses no bound volume data', async () => {
    const dir = (await volumeOf('data-db-0')).spec?.hostPath?.path ?? '';
    const uid = (await running('db-0')).metadata?.uid;
    await server!.kill9();
    server = await startServer({ dataDir: node.dir, args: ['--node-name', node.nodeName, '--pod-cidr', node.subnet] });
    const p = await running('db-0');
    assert.equal(p.metadata?.uid, uid, 'the pod was adopted, not replaced');
    assert.equal((await claim('data-db-0')).status?.phase, 'Bound');
    assert.equal(await eventually('exec after restart', () => read('db-0', 'name').catch(() => undefined)), 'db-0');
    assert.ok(existsSync(`${dir}/first`));
  });

  test('a claim in use stays Terminating until its pod is gone, then its directory is removed', async () => {
    await kubectlOk(server!, ['apply', '-f', '-'], solo('busy'));
    await running('busy-user');
    const pv = await volumeOf('busy');
    const dir = pv.spec?.hostPath?.path ?? '';
    assert.equal(await eventually('file written', () => read('busy-user', 'file').catch(() => undefined)), 'kept');
    // fsGroup: the volume belongs to the pod's group, setgid so new files inherit it.
    const ls = await kubectlOk(server!, ['exec', 'busy-user', '--', 'stat', '-c', '%g %A', '/data']);
    assert.match(ls.trim(), /^2345 d...rws/);

    await kubectlOk(server!, ['delete', 'pvc', 'busy', '--wait=false']);
    assert.match(await kubectlOk(server!, ['get', 'pvc', 'busy']), /busy\s+Terminating\s+pvc-/);
    assert.ok(existsSync(`${dir}/file`), 'nothing removed while the pod uses the claim');
    await kubectlOk(server!, ['delete', 'pod', 'busy-user']);
    await gone('/api/v1/namespaces/default/persistentvolumeclaims/busy');
    await gone(`/api/v1/persistentvolumes/${pv.metadata?.name}`);
    await eventually(`${dir} removed`, async () => !existsSync(dir), 60_000);
  });

  test('with reclaim Retain the volume is Released and its data stays', async () => {
    await kubectlOk(
      server!,
      ['apply', '-f', '-'],
      'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: keep}\nprovisioner: rancher.io/local-path\nreclaimPolicy: Retain\nvolumeBindingMode: WaitForFirstConsumer\n',
    );
    await kubectlOk(server!, ['apply', '-f', '-'], solo('kept', 'keep'));
    await running('kept-user');
    await eventually('file written', () => read('kept-user', 'file').catch(() => undefined));
    const pv = await volumeOf('kept');
    await kubectlOk(server!, ['delete', 'pvc', 'kept', '--wait=false']);
    await kubectlOk(server!, ['delete', 'pod', 'kept-user']);
    await gone('/api/v1/namespaces/default/persistentvolumeclaims/kept');
    await eventually(
      'Released',
      async () => (await getJson<PersistentVolume>(server!, `/api/v1/persistentvolumes/${pv.metadata?.name}`)).status?.phase === 'Released',
    );
    assert.match(await kubectlOk(server!, ['get', 'pv', pv.metadata?.name ?? '']), /Retain\s+Released\s+default\/kept\s+keep/);
    assert.ok(existsSync(`${pv.spec?.hostPath?.path}/file`));
  });
});
