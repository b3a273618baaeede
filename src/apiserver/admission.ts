// Built-in admission: namespace lifecycle (objects need an existing namespace that is not being
// terminated), with upstream's messages.
import { ApiError, notFound } from './errors.ts';
import type { KObject } from './registry/types.ts';
import type { AdmissionPlugin } from './store/generic-store.ts';

/** `readNamespace` reads a Namespace by name (undefined: none); admission's cached reads serve it. */
export function namespaceLifecycle(readNamespace: (name: string) => Promise<KObject | undefined>): AdmissionPlugin {
  return async ({ operation, entry, namespace, obj }) => {
    if (operation !== 'CREATE' || !entry.namespaced || namespace === undefined) return;
    const ns = await readNamespace(namespace);
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    const phase = (ns.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Terminating' || ns.metadata?.deletionTimestamp) {
      const name = obj.metadata?.name ?? obj.metadata?.generateName ?? '';
      const qualified = entry.group ? `${entry.resource}.${entry.group}` : entry.resource;
      throw new ApiError(
        403,
        'Forbidden',
        `${qualified} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          name,
          ...(entry.group ? { group: entry.group } : {}),
          kind: entry.resource,
          causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
        },
      );
    }
  };
}
