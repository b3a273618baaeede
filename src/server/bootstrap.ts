// Objects the server creates at every start, after the API serves and before components run.
// Idempotent: an object that exists already is left as it is.
import type { ApiServer } from '../apiserver/server.ts';
import { ApiError } from '../apiserver/errors.ts';
import { SYSTEM_PRIORITY_CLASSES } from '../apiserver/registry/priorityclasses.ts';
import type { KObject } from '../apiserver/registry/types.ts';
import { LOCAL_PATH_STORAGE_CLASS } from '../controllers/persistentvolume/local-path.ts';

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
