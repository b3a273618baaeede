// StatefulSet volumeClaimTemplates and persistentVolumeClaimRetentionPolicy, and generic ephemeral
// volumes, in a real server (scheduler, controllers, the local-path provisioner) with the node
// player standing in for the agent on one API-created node: claims are named
// `<template>-<set>-<ordinal>`, come back with their pod, and go (or stay) as the policy says.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { api, eventually, getJson, kubectl, kubectlOk, readyNode, startServer, type TestServer } from './harness.ts';
import { startNodePlayer, type NodePlayer } from './node-player.ts';

let server: TestServer;
let player: NodePlayer;
before(async () => {
  // A long grace period: n1 is an API-created Node with no agent renewing its lease; on a busy
  // machine the default 40 s runs out mid-test and the node lifecycle controller marks the pods
  // not ready while the node player marks them ready again.
  server = await startServer({ args: ['--disable', 'agent', '--node-monitor-grace-period', '1h'] });
  assert.equal((await api(server, 'POST', '/api/v1/nodes', { body: readyNode('n1', { cpu: '8', memory: '16Gi', pods: '110' }) })).status, 201);
  player = await startNodePlayer({ server, nodeName: 'n1', bind: false });
});
after(async () => {
  await player.stop();
  await server.stop();
});

const stsYaml = (name: string, replicas: number, policy: { whenDeleted?: string; whenScaled?: string } = {}): string => `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  serviceName: ${name}
  selector: {matchLabels: {app: ${name}}}
  persistentVolumeClaimRetentionPolicy: {whenDeleted: ${policy.whenDeleted ?? 'Retain'}, whenScaled: ${policy.whenScaled ?? 'Retain'}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: c, image: busybox, volumeMounts: [{name: data, mountPath: /data}]}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`;

async function claimNames(app: string): Promise<string[]> {
  const out = await kubectlOk(server, ['get', 'pvc', '-l', `app=${app}`, '-o', 'jsonpath={.items[*].metadata.name}']);
  return out.split(' ').filter(Boolean).sort();
}
const getPod = (name: string) => getJson<Pod>(server, `/api/v1/namespaces/default/pods/${name}`);
const getPvc = (name: string) => getJson<PersistentVolumeClaim>(server, `/api/v1/namespaces/default/persistentvolumeclaims/${name}`);
const readyReplicas = (name: string, n: number) =>
  eventually(
    `${name} ${n} ready`,
    async () => {
      const out = await kubectlOk(server, ['get', 'sts', name, '-o', 'jsonpath={.status.readyReplicas}/{.status.replicas}']);
      return out === `${n}/${n}`;
    },
    90_000,
  );

describe('StatefulSet volume claims', () => {
  it('creates a bound claim per ordinal and gives a recreated pod the same claim', async () => {
    await kubectlOk(server, ['create', '-f', '-'], stsYaml('db', 3));
    await readyReplicas('db', 3);
    assert.deepEqual(await claimNames('db'), ['data-db-0', 'data-db-1', 'data-db-2']);
    const pod = await getPod('db-1');
    assert.deepEqual(pod.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim, { claimName: 'data-db-1' });
    const claim = await eventually('Bound', async () => ((await getPvc('data-db-1')).status?.phase === 'Bound' ? getPvc('data-db-1') : undefined));
    assert.equal(claim.spec?.storageClassName, 'local-path');
    assert.equal(claim.metadata?.ownerReferences, undefined, 'Retain/Retain: nobody owns the claims');
    const oldUid = pod.metadata?.uid;
    // --wait=false: the node player finishes the deletion and the controller recreates db-1 within
    // milliseconds; kubectl's wait, if it lists after the new pod exists, waits for that one instead.
    await kubectlOk(server, ['delete', 'pod', 'db-1', '--wait=false']);
    const back = await eventually('db-1 back', async () => {
      const p = await getPod('db-1');
      return p.metadata?.uid !== oldUid && p.status?.phase === 'Running' && p;
    });
    assert.equal(back.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName, 'data-db-1');
    assert.equal((await getPvc('data-db-1')).spec?.volumeName, claim.spec?.volumeName);
  });

  it('keeps claims on scale-down with whenScaled Retain and deletes them with whenScaled Delete', async () => {
    await kubectlOk(server, ['scale', 'sts', 'db', '--replicas=1']);
    await readyReplicas('db', 1);
    assert.deepEqual(await claimNames('db'), ['data-db-0', 'data-db-1', 'data-db-2']);
    await kubectlOk(server, ['scale', 'sts', 'db', '--replicas=3']);
    await readyReplicas('db', 3);
    assert.deepEqual(await claimNames('db'), ['data-db-0', 'data-db-1', 'data-db-2']);

    await kubectlOk(server, ['create', '-f', '-'], stsYaml('cache', 3, { whenScaled: 'Delete' }));
    await readyReplicas('cache', 3);
    await kubectlOk(server, ['scale', 'sts', 'cache', '--replicas=1']);
    await eventually('claims of ordinals 1 and 2 gone', async () => (await claimNames('cache')).join() === 'data-cache-0');
  });

  it('deletes the claims with the set when whenDeleted is Delete', async () => {
    await kubectlOk(server, ['create', '-f', '-'], stsYaml('tmp', 2, { whenDeleted: 'Delete' }));
    await readyReplicas('tmp', 2);
    const c = await getPvc('data-tmp-0');
    assert.equal(c.metadata?.ownerReferences?.[0]?.kind, 'StatefulSet');
    await kubectlOk(server, ['delete', 'sts', 'tmp']);
    await eventually('claims gone', async () => (await claimNames('tmp')).length === 0);
    assert.equal((await kubectl(server, ['get', 'pvc', 'data-db-0'])).code, 0, 'other sets keep theirs');
  });

  it('refuses an invalid claim template', async () => {
    const r = await kubectl(server, ['create', '-f', '-'], { input: stsYaml('bad', 1).replace('      accessModes: [ReadWriteOnce]\n', '') });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.volumeClaimTemplates\[0\]\.spec\.accessModes: Required value: at least 1 access mode is required/);
  });

  it('gives a generic ephemeral volume a claim owned by its pod, gone with the pod', async () => {
    await kubectlOk(
      server,
      ['create', '-f', '-'],
      `
apiVersion: v1
kind: Pod
metadata: {name: eph}
spec:
  containers: [{name: c, image: busybox, volumeMounts: [{name: scratch, mountPath: /scratch}]}]
  volumes:
  - name: scratch
    ephemeral:
      volumeClaimTemplate:
        metadata: {labels: {kind: scratch}}
        spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`,
    );
    await eventually('eph Running', async () => (await getPod('eph')).status?.phase === 'Running');
    const claim = await eventually('eph-scratch Bound', async () =>
      (await getPvc('eph-scratch')).status?.phase === 'Bound' ? getPvc('eph-scratch') : undefined,
    );
    const pod = await getPod('eph');
    assert.equal(claim.metadata?.ownerReferences?.[0]?.uid, pod.metadata?.uid);
    assert.equal(claim.metadata?.labels?.kind, 'scratch');
    await kubectlOk(server, ['delete', 'pod', 'eph']);
    await eventually(
      'claim gone with the pod',
      async () => (await api(server, 'GET', '/api/v1/namespaces/default/persistentvolumeclaims/eph-scratch')).status === 404,
    );
  });
});
