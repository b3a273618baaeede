// Objects the server creates at every start, after the API serves and before components run.
// Idempotent: an object that exists already is left as it is.
import type { ApiServer } from '../apiserver/server.ts';
import { ApiError } from '../apiserver/errors.ts';
import { SYSTEM_PRIORITY_CLASSES } from '../apiserver/registry/priorityclasses.ts';
import type { KObject } from '../apiserver/registry/types.ts';
import { jsonEqual } from '../apiserver/registry/common.ts';
import { BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_ROLES, BOOTSTRAP_ROLE_BINDINGS } from '../apiserver/authz/index.ts';
import { LOCAL_PATH_STORAGE_CLASS } from '../controllers/persistentvolume/local-path.ts';
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
 * Reconciles the bootstrap RBAC policy (upstream's rbac/bootstrap-roles post-start hook): missing
 * ClusterRoles, ClusterRoleBindings and the few namespaced Roles/RoleBindings are created; existing ones get their rules, aggregation and
 * subjects back unless annotated rbac.authorization.kubernetes.io/autoupdate=false.
 */
export async function ensureBootstrapPolicy(api: ApiServer): Promise<void> {
  const sets = [
    ['clusterroles', BOOTSTRAP_CLUSTER_ROLES],
    ['clusterrolebindings', BOOTSTRAP_CLUSTER_ROLE_BINDINGS],
    ['roles', BOOTSTRAP_ROLES],
    ['rolebindings', BOOTSTRAP_ROLE_BINDINGS],
  ] as const;
  for (const [resource, objects] of sets) {
    const handle = api.ctx.byGroupResource('rbac.authorization.k8s.io', resource);
    if (!handle) continue;
    for (const desired of objects as unknown as readonly KObject[]) {
      const name = desired.metadata?.name ?? '';
      const ns = desired.metadata?.namespace;
      try {
        await handle.store.create(ns, structuredClone(desired));
        continue;
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
      }
      const live = await handle.store.get(ns, name);
      const { metadata: _m, ...body } = structuredClone(desired);
      // An aggregated role's rules belong to the aggregation controller, as upstream.
      if (body.aggregationRule) delete body.rules;
      const drifted = Object.entries(body).some(([k, v]) => !jsonEqual(live[k], v));
      if (!drifted || live.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate'] === 'false') continue;
      await handle.store.guaranteedUpdate(ns, name, (current: KObject) => ({ ...current, ...structuredClone(body) }));
    }
  }
}

/** Creates the default StorageClass `local-path` (as k3s ships local-path-provisioner). */
export async function ensureDefaultStorageClass(api: ApiServer): Promise<void> {
  const handle = api.ctx.byGroupResource('storage.k8s.io', 'storageclasses');
  if (!handle) return;
  try {
    await handle.store.create(undefined, structuredClone(LOCAL_PATH_STORAGE_CLASS) as unknown as KObject);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
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
