// The behaviour every PodStorage shares (disk for real nodes, hollow for simulated ones), so a
// pod fails or succeeds the same way on both: volumes map to paths, a missing configMap or an
// unsupported source is a FailedMount (VolumeError), set-up is idempotent, tearDown forgets the pod.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigMap, Pod } from 'kubernetes-types/core/v1.js';
import { VolumeError, type PodStorage, type VolumeContext } from './pod-storage.ts';

const CONFIGMAPS: Record<string, ConfigMap> = { settings: { metadata: { name: 'settings', namespace: 'default' }, data: { mode: 'fast' } } };

const ctx: VolumeContext = {
  api: { getConfigMap: async (_ns, name) => CONFIGMAPS[name], getSecret: async () => undefined },
  node: { name: 'n1', ip: '127.0.0.1', allocatable: {} },
};

function pod(uid: string, volumes: NonNullable<Pod['spec']>['volumes']): Pod {
  return { metadata: { name: `p-${uid}`, namespace: 'default', uid }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes } };
}

/** Runs the contract against a fresh storage from `make` for each case. */
export function describePodStorage(name: string, make: () => Promise<PodStorage>): void {
  describe(`PodStorage contract: ${name}`, () => {
    it('maps every volume to a path; set-up is idempotent; tearDown forgets the pod', async () => {
      const s = await make();
      const p = pod('u1', [
        { name: 'scratch', emptyDir: {} },
        { name: 'conf', configMap: { name: 'settings' } },
        { name: 'host', hostPath: { path: '/tmp' } },
      ]);
      const first = await s.setUpVolumes(p, ctx);
      assert.deepEqual([...first.keys()].sort(), ['conf', 'host', 'scratch']);
      assert.equal(first.get('host'), '/tmp');
      assert.deepEqual(await s.setUpVolumes(p, ctx), first);
      assert.ok((await s.listPods()).includes('u1'));
      await s.tearDown('u1');
      await s.tearDown('u1');
      assert.ok(!(await s.listPods()).includes('u1'));
    });

    it('a missing configMap is a FailedMount unless optional', async () => {
      const s = await make();
      await assert.rejects(
        s.setUpVolumes(pod('u2', [{ name: 'conf', configMap: { name: 'absent' } }]), ctx),
        (e: unknown) =>
          e instanceof VolumeError && e.volume === 'conf' && /MountVolume\.SetUp failed for volume "conf" : configmap "absent" not found/.test(e.message),
      );
      const ok = await s.setUpVolumes(pod('u3', [{ name: 'conf', configMap: { name: 'absent', optional: true } }]), ctx);
      assert.ok(ok.has('conf'));
    });

    it('a source this node does not implement is a FailedMount, never skipped', async () => {
      const s = await make();
      await assert.rejects(
        s.setUpVolumes(pod('u4', [{ name: 'share', nfs: { server: '127.0.0.1', path: '/x' } }]), ctx),
        (e: unknown) => e instanceof VolumeError && /nfs volumes are not supported by this node/.test(e.message),
      );
    });

    it('a termination log starts empty', async () => {
      const s = await make();
      const path = await s.terminationLogPath('u5', 'c', 0);
      assert.equal(await s.readTerminationMessage(path), '');
      await s.tearDown('u5');
    });
  });
}
