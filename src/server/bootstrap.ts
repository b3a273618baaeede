// Objects the server creates at every start, after the API serves and before components run.
// Idempotent: an object that exists already is left as it is.
import type { ApiServer } from '../apiserver/server.ts';
import { ApiError } from '../apiserver/errors.ts';
import { SYSTEM_PRIORITY_CLASSES } from '../apiserver/registry/priorityclasses.ts';
import type { KObject } from '../apiserver/registry/types.ts';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { KUBELET_CONFIG_NAME, KUBELET_CONFIG_NAMESPACE, kubeletConfigMap, nodeLeaseDurationSeconds as nodeLeaseDurationSecondsOf } from '../api/index.ts';

/** Creates `system-cluster-critical` and `system-node-critical` (upstream's apiserver post-start hook). */
export async function ensureSystemPriorityClasses(api: ApiServer): Promise<void> {
  const handle = api.ctx.byGroupResource('scheduling.k8s.io', 'priorityclasses');
  if (!handle) return;
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    try {
      await handle.store.create(undefined, structuredClone(pc) as unknown as KObject);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
    }
  }
}

/**
 * Keeps `kube-system/kubelet-config` saying this server's node lease duration, so every agent
 * (also one joining later, or one running while the server restarts with another profile) renews
 * its Lease often enough for the node lifecycle controller's grace period. Rewritten at every
 * start when it differs: the server's flags are the source of truth.
 */
export async function publishKubeletConfig(api: ApiServer, nodeLeaseDurationSeconds: number): Promise<void> {
  const handle = api.ctx.byGroupResource('', 'configmaps');
  if (!handle) return;
  const desired = kubeletConfigMap(nodeLeaseDurationSeconds) as unknown as KObject;
  try {
    await handle.store.create(KUBELET_CONFIG_NAMESPACE, structuredClone(desired));
    return;
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
  }
  const live = await handle.store.get(KUBELET_CONFIG_NAMESPACE, KUBELET_CONFIG_NAME);
  if (nodeLeaseDurationSeconds === nodeLeaseDurationSecondsOf(live as unknown as ConfigMap)) return;
  await handle.store.update(KUBELET_CONFIG_NAMESPACE, KUBELET_CONFIG_NAME, { ...live, data: desired.data } as KObject);
}
