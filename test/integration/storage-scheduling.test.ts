// VolumeBinding in a real `peapod server` (scheduler + controllers, no agent): Node objects are
// created through the API, so what a user sees is where pods are bound, which volumes the built-in
// local-path provisioner creates, and the FailedScheduling messages `kubectl describe` shows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { api, eventually, getJson, kubectl, kubectlOk, readyNode, startServer, type TestServer } from './harness.ts';

let server: TestServer;
before(async () => {
  // API-created nodes with no agent renewing leases: a long grace period keeps them Ready on a busy machine.
  server = await startServer({ args: ['--disable', 'agent', '--node-monitor-grace-period', '1h'] });
  for (const name of ['node-a', 'node-b']) {
    const r = await api(server, 'POST', '/api/v1/nodes', { body: readyNode(name) });
    assert.equal(r.status, 201, r.body);
  }
});
after(async () => {
  await server.stop();
});

const claimYaml = (name: string, cls?: string): string =>
  `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: ${name}}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n${cls ? `  storageClassName: ${cls}\n` : ''}`;
const podYaml = (name: string, claim: string): string =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  containers: [{name: c, image: busybox, volumeMounts: [{name: data, mountPath: /data}]}]\n  volumes: [{name: data, persistentVolumeClaim: {claimName: ${claim}}}]\n`;

const getPod = (name: string) => getJson<Pod>(server, `/api/v1/namespaces/default/pods/${name}`);
const getPvc = (name: string) => getJson<PersistentVolumeClaim>(server, `/api/v1/namespaces/default/persistentvolumeclaims/${name}`);
const failedScheduling = (name: string, pattern: RegExp) =>
  eventually(`FailedScheduling of ${name} matching ${pattern}`, async () => {
    const p = await getPod(name);
    const msg = p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? '';
    return pattern.test(msg) && msg;
  });

describe('VolumeBinding', () => {
  it('provisions a WaitForFirstConsumer claim on the chosen node and keeps the pod there', async () => {
    await kubectlOk(server, ['create', '-f', '-'], claimYaml('web-data'));
    await kubectlOk(server, ['create', '-f', '-'], podYaml('web', 'web-data'));
    const node = await eventually('pod bound', async () => (await getPod('web')).spec?.nodeName);
    const claim = await eventually('claim Bound', async () => ((await getPvc('web-data')).status?.phase === 'Bound' ? getPvc('web-data') : undefined));
    assert.equal(claim.metadata?.annotations?.['volume.kubernetes.io/selected-node'], node);
    const pv = await getJson<PersistentVolume>(server, `/api/v1/persistentvolumes/${claim.spec?.volumeName}`);
    assert.equal(pv.metadata?.name, `pvc-${claim.metadata?.uid}`);
    assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values, [node]);
    assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
    const described = await kubectlOk(server, ['describe', 'pvc', 'web-data']);
    assert.match(described, /ProvisioningSucceeded\s+.*Successfully provisioned volume pvc-/);

    // The pod is gone and its node cordoned: the claim's volume lives only there.
    await kubectlOk(server, ['delete', 'pod', 'web', '--grace-period=0', '--force']);
    await kubectlOk(server, ['cordon', node]);
    await kubectlOk(server, ['create', '-f', '-'], podYaml('web', 'web-data'));
    const msg = await failedScheduling('web', /volume node affinity conflict/);
    assert.equal(
      msg,
      '0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    await kubectlOk(server, ['uncordon', node]);
    assert.equal(await eventually('rescheduled', async () => (await getPod('web')).spec?.nodeName), node);
  });

  it('reports missing and unbound immediate claims as upstream', async () => {
    await kubectlOk(server, ['create', '-f', '-'], podYaml('orphan', 'nope'));
    await failedScheduling('orphan', /^0\/2 nodes are available: persistentvolumeclaim "nope" not found\. preemption: /);
    await kubectlOk(
      server,
      ['create', '-f', '-'],
      'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: slow}\nprovisioner: example.com/slow\n',
    );
    await kubectlOk(server, ['create', '-f', '-'], claimYaml('immediate', 'slow'));
    await kubectlOk(server, ['create', '-f', '-'], podYaml('waits', 'immediate'));
    await failedScheduling('waits', /^0\/2 nodes are available: pod has unbound immediate PersistentVolumeClaims\. preemption: /);
    const d = await eventually('ExternalProvisioning', async () => {
      const out = await kubectlOk(server, ['describe', 'pvc', 'immediate']);
      return out.includes("Waiting for a volume to be created either by the external provisioner 'example.com/slow'") && out;
    });
    assert.match(d, /Status:\s+Pending/);
    // Creating the claim lets the waiting pod in.
    await kubectlOk(server, ['create', '-f', '-'], claimYaml('nope'));
    await eventually('orphan bound', async () => (await getPod('orphan')).spec?.nodeName);
  });

  it('keeps a claim in use Terminating until its pod is gone, then deletes its volume', async () => {
    await kubectlOk(server, ['create', '-f', '-'], claimYaml('busy'));
    await kubectlOk(server, ['create', '-f', '-'], podYaml('user', 'busy'));
    const claim = await eventually('claim Bound', async () => ((await getPvc('busy')).status?.phase === 'Bound' ? getPvc('busy') : undefined));
    await kubectlOk(server, ['delete', 'pvc', 'busy', '--wait=false']);
    const out = await kubectlOk(server, ['get', 'pvc', 'busy']);
    assert.match(out, /busy\s+Terminating\s+pvc-/);
    assert.equal((await api(server, 'GET', `/api/v1/persistentvolumes/${claim.spec?.volumeName}`)).status, 200);
    await kubectlOk(server, ['delete', 'pod', 'user', '--grace-period=0', '--force']);
    await eventually('claim gone', async () => (await api(server, 'GET', '/api/v1/namespaces/default/persistentvolumeclaims/busy')).status === 404);
    await eventually('volume deleted', async () => (await api(server, 'GET', `/api/v1/persistentvolumes/${claim.spec?.volumeName}`)).status === 404);
    const r = await kubectl(server, ['get', 'pv', claim.spec?.volumeName ?? '']);
    assert.match(r.stderr, /persistentvolumes ".*" not found/);
  });

  it('grows a claim of a class that allows expansion and refuses shrinking it', async () => {
    await kubectlOk(
      server,
      ['create', '-f', '-'],
      'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: grow}\nprovisioner: rancher.io/local-path\nvolumeBindingMode: WaitForFirstConsumer\nallowVolumeExpansion: true\n',
    );
    await kubectlOk(server, ['create', '-f', '-'], claimYaml('growing', 'grow'));
    await kubectlOk(server, ['create', '-f', '-'], podYaml('grower', 'growing'));
    await eventually('claim Bound', async () => (await getPvc('growing')).status?.phase === 'Bound');
    await kubectlOk(server, ['patch', 'pvc', 'growing', '-p', '{"spec":{"resources":{"requests":{"storage":"3Gi"}}}}']);
    await eventually('capacity 3Gi', async () => (await getPvc('growing')).status?.capacity?.storage === '3Gi');
    assert.match(await kubectlOk(server, ['get', 'pvc', 'growing']), /growing\s+Bound\s+pvc-\S+\s+3Gi\s+RWO\s+grow/);
    const pvName = (await getPvc('growing')).spec?.volumeName ?? '';
    assert.equal((await getJson<PersistentVolume>(server, `/api/v1/persistentvolumes/${pvName}`)).spec?.capacity?.storage, '3Gi');
    const shrink = await kubectl(server, ['patch', 'pvc', 'growing', '-p', '{"spec":{"resources":{"requests":{"storage":"1Gi"}}}}']);
    assert.match(shrink.stderr, /spec\.resources\.requests\.storage: Forbidden: field can not be less than status\.capacity/);
  });
});
