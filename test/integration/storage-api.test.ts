// PersistentVolumes, claims and StorageClasses through the real server and real kubectl: upstream
// validation errors, defaulting (the built-in default class `local-path`), the printed columns,
// binding of hand-made volumes by the PV controller, protection finalizers and reclaim policies.
// No scheduler or agent runs: volumes here are hand-made and claims use no WaitForFirstConsumer class.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { api, eventually, getJson, kubectl, kubectlOk, startServer, type TestServer } from './harness.ts';

let server: TestServer;
before(async () => {
  server = await startServer({ args: ['--disable', 'scheduler,agent'] });
});
after(async () => {
  await server.stop();
});

const pvYaml = (name: string, o: { size?: string; cls?: string; policy?: string; labels?: string; claim?: string } = {}): string => `
apiVersion: v1
kind: PersistentVolume
metadata:
  name: ${name}
${o.labels ? `  labels: {${o.labels}}\n` : ''}spec:
  capacity: {storage: ${o.size ?? '1Gi'}}
  accessModes: [ReadWriteOnce]
  storageClassName: "${o.cls ?? 'manual'}"
${o.policy ? `  persistentVolumeReclaimPolicy: ${o.policy}\n` : ''}${o.claim ? `  claimRef: {namespace: default, name: ${o.claim}}\n` : ''}  hostPath: {path: /tmp/peapod-it-${name}}
`;

const pvcYaml = (name: string, o: { size?: string; cls?: string | null; selector?: string; volumeName?: string } = {}): string => `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: ${o.size ?? '500Mi'}}}
${o.cls === null ? '' : `  storageClassName: "${o.cls ?? 'manual'}"\n`}${o.selector ? `  selector: {matchLabels: {${o.selector}}}\n` : ''}${o.volumeName ? `  volumeName: ${o.volumeName}\n` : ''}`;

const getPvc = (name: string) => getJson<PersistentVolumeClaim>(server, `/api/v1/namespaces/default/persistentvolumeclaims/${name}`);
const getPv = (name: string) => getJson<PersistentVolume>(server, `/api/v1/persistentvolumes/${name}`);

describe('storage API', () => {
  it('serves pv, pvc and sc with short names and the built-in default class', async () => {
    const out = await kubectlOk(server, ['get', 'sc']);
    const lines = out.trim().split('\n');
    assert.match(lines[0]!, /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE$/);
    assert.match(lines[1]!, /^local-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+/);
    const res = await kubectlOk(server, ['api-resources', '--api-group=storage.k8s.io']);
    assert.match(res, /storageclasses\s+sc\s+storage\.k8s\.io\/v1\s+false\s+StorageClass/);
  });

  it('rejects invalid volumes and claims with upstream messages', async () => {
    const noModes = await kubectl(server, ['create', '-f', '-'], {
      input: 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: bad1}\nspec: {resources: {requests: {storage: 1Gi}}}\n',
    });
    assert.notEqual(noModes.code, 0);
    assert.match(noModes.stderr, /spec\.accessModes: Required value: at least 1 access mode is required/);
    const noSize = await kubectl(server, ['create', '-f', '-'], {
      input: 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: bad2}\nspec: {accessModes: [ReadWriteOnce]}\n',
    });
    assert.match(noSize.stderr, /spec\.resources\[storage\]: Required value/);
    const badMode = await kubectl(server, ['create', '-f', '-'], { input: pvcYaml('bad3').replace('[ReadWriteOnce]', '[WriteSometimes]') });
    assert.match(
      badMode.stderr,
      /spec\.accessModes: Unsupported value: "WriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"/,
    );
    const noCap = await kubectl(server, ['create', '-f', '-'], { input: pvYaml('badpv1').replace('  capacity: {storage: 1Gi}\n', '') });
    assert.match(noCap.stderr, /spec\.capacity: Required value/);
    const noSource = await kubectl(server, ['create', '-f', '-'], { input: pvYaml('badpv2').replace(/ {2}hostPath: .*\n/, '') });
    assert.match(noSource.stderr, /spec: Required value: must specify a volume type/);
    const twoSources = await kubectl(server, ['create', '-f', '-'], { input: `${pvYaml('badpv3')}  nfs: {server: 127.0.0.1, path: /x}\n` });
    assert.match(twoSources.stderr, /may not specify more than 1 volume type/);
    const local = await kubectl(server, ['create', '-f', '-'], { input: pvYaml('badpv4').replace(/ {2}hostPath: .*\n/, '  local: {path: /tmp/x}\n') });
    assert.match(local.stderr, /spec\.nodeAffinity: Required value: Local volume requires node affinity/);
    const none = await kubectl(server, ['get', 'pv,pvc', '-o', 'name']);
    assert.equal(none.stdout.trim(), '', 'nothing was stored');
  });

  it('defaults the class, keeps the spec immutable and refuses growth without expansion', async () => {
    await kubectlOk(server, ['create', '-f', '-'], pvcYaml('defaulted', { cls: null }));
    const c = await getPvc('defaulted');
    assert.equal(c.spec?.storageClassName, 'local-path');
    assert.equal(c.spec?.volumeMode, 'Filesystem');
    assert.deepEqual(c.metadata?.finalizers, ['kubernetes.io/pvc-protection']);
    const modes = await kubectl(server, ['patch', 'pvc', 'defaulted', '-p', '{"spec":{"accessModes":["ReadWriteMany"]}}']);
    assert.match(modes.stderr, /spec: Forbidden: spec is immutable after creation except resources\.requests and volumeAttributesClassName for bound claims/);
    const events = await eventually('WaitForFirstConsumer event', async () => {
      const out = await kubectlOk(server, ['describe', 'pvc', 'defaulted']);
      return /WaitForFirstConsumer\s+.*waiting for first consumer to be created before binding/.test(out) && out;
    });
    assert.match(events, /StorageClass:\s+local-path/);
    assert.match(events, /Status:\s+Pending/);
  });

  it('binds a claim to the smallest matching volume and prints both', async () => {
    await kubectlOk(
      server,
      ['create', '-f', '-'],
      pvYaml('big', { size: '10Gi', labels: 'tier: fast' }) +
        '---' +
        pvYaml('small', { size: '1Gi', labels: 'tier: fast' }) +
        '---' +
        pvYaml('tiny', { size: '100Mi' }),
    );
    await kubectlOk(server, ['create', '-f', '-'], pvcYaml('data', { selector: 'tier: fast' }));
    const c = await eventually('claim Bound', async () => ((await getPvc('data')).status?.phase === 'Bound' ? getPvc('data') : undefined));
    assert.equal(c.spec?.volumeName, 'small');
    assert.equal(c.status?.capacity?.storage, '1Gi');
    const pvs = await eventually('pv Bound', async () => {
      const out = await kubectlOk(server, ['get', 'pv']);
      return /small\s+1Gi\s+RWO\s+Retain\s+Bound\s+default\/data\s+manual\s+<unset>\s+\S+/.test(out) && out;
    });
    assert.match(
      pvs.split('\n')[0]!,
      /^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE$/,
    );
    assert.match(pvs, /big\s+10Gi\s+RWO\s+Retain\s+Available\s+manual/);
    const pvcs = await kubectlOk(server, ['get', 'pvc', 'data']);
    assert.match(pvcs, /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\n/);
    assert.match(pvcs, /data\s+Bound\s+small\s+1Gi\s+RWO\s+manual\s+<unset>\s+/);
    assert.match(await kubectlOk(server, ['describe', 'pv', 'small']), /Claim:\s+default\/data/);
    const grow = await kubectl(server, ['patch', 'pvc', 'data', '-p', '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}']);
    assert.match(grow.stderr, /only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize/);
  });

  it('honours volumeName pre-binding and reports a too small volume', async () => {
    await kubectlOk(server, ['create', '-f', '-'], pvYaml('named', { size: '1Gi' }));
    await kubectlOk(
      server,
      ['create', '-f', '-'],
      pvcYaml('wants-named', { volumeName: 'named' }) + '---' + pvcYaml('wants-tiny', { volumeName: 'tiny', size: '1Gi' }),
    );
    await eventually('named claim Bound', async () => (await getPvc('wants-named')).status?.phase === 'Bound');
    const d = await eventually('FailedBinding', async () => {
      const out = await kubectlOk(server, ['describe', 'pvc', 'wants-tiny']);
      return out.includes('Cannot bind to requested volume "tiny": requested PV is too small') && out;
    });
    assert.match(d, /Status:\s+Pending/);
  });

  it('keeps a Retain volume Released after its claim goes; a hand-made Delete volume Fails', async () => {
    await kubectlOk(
      server,
      ['create', '-f', '-'],
      pvYaml('keep', { size: '3Gi', cls: 'r' }) + '---' + pvYaml('drop', { size: '3Gi', cls: 'd', policy: 'Delete' }),
    );
    await kubectlOk(server, ['create', '-f', '-'], pvcYaml('c-keep', { cls: 'r' }) + '---' + pvcYaml('c-drop', { cls: 'd' }));
    await eventually('both Bound', async () => (await getPvc('c-keep')).status?.phase === 'Bound' && (await getPvc('c-drop')).status?.phase === 'Bound');
    await kubectlOk(server, ['delete', 'pvc', 'c-keep', 'c-drop']);
    await eventually('keep Released', async () => (await getPv('keep')).status?.phase === 'Released');
    const failed = await eventually('drop Failed', async () => ((await getPv('drop')).status?.phase === 'Failed' ? getPv('drop') : undefined));
    assert.equal(failed.status?.reason, 'VolumeFailedDelete');
    // A Bound volume keeps its pv-protection finalizer until it is released.
    const pv = await getPv('keep');
    assert.deepEqual(pv.metadata?.finalizers, ['kubernetes.io/pv-protection']);
    await kubectlOk(server, ['delete', 'pv', 'keep', '--wait=true']);
    assert.equal((await api(server, 'GET', '/api/v1/persistentvolumes/keep')).status, 404);
  });

  it('marks a bound claim Lost when its volume is deleted', async () => {
    await kubectlOk(server, ['create', '-f', '-'], pvYaml('lost-pv', { cls: 'l' }));
    await kubectlOk(server, ['create', '-f', '-'], pvcYaml('lost', { cls: 'l' }));
    await eventually('Bound', async () => (await getPvc('lost')).status?.phase === 'Bound');
    await kubectlOk(server, ['delete', 'pv', 'lost-pv', '--wait=false']);
    // pv-protection holds the volume while it is Bound.
    assert.equal((await getPv('lost-pv')).status?.phase, 'Bound');
    // Removing the finalizer by hand forces it out, as an admin could.
    await kubectlOk(server, ['patch', 'pv', 'lost-pv', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    await eventually('Lost', async () => (await getPvc('lost')).status?.phase === 'Lost');
    assert.match(await kubectlOk(server, ['describe', 'pvc', 'lost']), /ClaimLost\s+.*Bound claim has lost its PersistentVolume\. Data on the volume is lost!/);
  });
});
