// NodeRestriction admission: a node identity may create and modify only its own Node and its own
// Lease, change only the status of pods bound to it, and delete only those pods (upstream's
// plugin/pkg/admission/noderestriction, with its wording).
import { ApiError } from '../errors.ts';
import type { AdmissionPlugin } from '../store/generic-store.ts';
import { nodeNameOf } from './node-authorizer.ts';

function forbiddenFor(resource: string, name: string, why: string, group = ''): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new ApiError(403, 'Forbidden', `${qualified} "${name}" is forbidden: ${why}`, { name, ...(group ? { group } : {}), kind: resource });
}

export function nodeRestriction(): AdmissionPlugin {
  return ({ operation, entry, namespace, obj, old, subresource, user }) => {
    const node = user && nodeNameOf(user);
    if (!node) return;
    const name = obj.metadata?.name ?? '';
    const key = `${entry.group}/${entry.resource}`;
    if (key === '/nodes') {
      if (name !== node) throw forbiddenFor('nodes', name, `node "${node}" is not allowed to modify node "${name}"`);
      if (operation === 'DELETE') throw forbiddenFor('nodes', name, `node "${node}" is not allowed to delete nodes`);
      return;
    }
    if (key === 'coordination.k8s.io/leases') {
      if (namespace !== 'kube-node-lease' || name !== node) {
        throw forbiddenFor('leases', name, `can only access node lease with the same name as the requesting node`, 'coordination.k8s.io');
      }
      return;
    }
    if (key === '/pods') {
      const bound = (old?.spec as { nodeName?: string } | undefined)?.nodeName ?? (obj.spec as { nodeName?: string } | undefined)?.nodeName;
      if (operation === 'CREATE') throw forbiddenFor('pods', name, `node "${node}" can only create mirror pods`);
      if (bound !== node) {
        const verb = operation === 'DELETE' ? 'delete' : 'update';
        throw forbiddenFor('pods', name, `node "${node}" can only ${verb} pods with spec.nodeName set to itself`);
      }
      if (operation === 'UPDATE' && subresource !== 'status') throw forbiddenFor('pods', name, `node "${node}" can only update pod status`);
    }
  };
}
