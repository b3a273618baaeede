// Generic ephemeral volumes (upstream pkg/controller/volume/ephemeral): a pod volume with
// `ephemeral.volumeClaimTemplate` gets the claim `<pod>-<volume>`, controlled by the pod, so the
// garbage collector removes it with the pod. A claim of that name that the pod does not own is
// left alone (the scheduler then reports that the pod is not its owner).
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { createWorkQueue, enqueueOnChange, isAlreadyExists, keyOf, resources, runController } from '../../client/index.ts';
import { newControllerRef } from '../controller-ref.ts';
import type { Controller, ControllerDeps } from '../types.ts';

const POD_GVK = { apiVersion: 'v1', kind: 'Pod' };

export function createEphemeralVolumeController(deps: ControllerDeps): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'ephemeral-volume', clock });
  const pods = deps.informers.informerFor<Pod>(resources.pods);
  const claims = deps.informers.informerFor<PersistentVolumeClaim>(resources.persistentvolumeclaims);
  const hasEphemeral = (p: Pod): boolean => (p.spec?.volumes ?? []).some((v) => v.ephemeral);
  enqueueOnChange(pods, queue, (p) => (hasEphemeral(p) && !p.metadata?.deletionTimestamp ? [keyOf(p)] : []));

  async function reconcile(key: string, signal: AbortSignal): Promise<void> {
    const pod = pods.store.get(key);
    if (!pod || pod.metadata?.deletionTimestamp) return;
    const ns = pod.metadata?.namespace ?? 'default';
    for (const v of pod.spec?.volumes ?? []) {
      const t = v.ephemeral?.volumeClaimTemplate;
      if (!t) continue;
      const name = `${pod.metadata?.name ?? ''}-${v.name}`;
      if (claims.store.get(`${ns}/${name}`)) continue;
      const claim: PersistentVolumeClaim = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name,
          namespace: ns,
          ...(t.metadata?.labels ? { labels: { ...t.metadata.labels } } : {}),
          ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
          ownerReferences: [newControllerRef(pod, POD_GVK)],
        },
        spec: structuredClone(t.spec),
      };
      await client.create(resources.persistentvolumeclaims, ns, claim, { signal }).catch((e: unknown) => {
        if (!isAlreadyExists(e)) throw e;
      });
    }
  }

  return {
    name: 'ephemeral-volume',
    run: (signal) => runController({ name: 'ephemeral-volume-controller', reconciler: { reconcile }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}
