// StatefulSet pod identity (upstream stateful_set_utils): pod `<set>-<ordinal>`, hostname = pod
// name, subdomain = spec.serviceName, and the labels that name the pod and its index.
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { newControllerRef } from '../controller-ref.ts';
import { REVISION_HASH_LABEL } from '../controller-revision.ts';

export const STS_GVK = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** The ordinal of a pod named `<set>-<n>`, or -1 when the name is not one of the set's. */
export function ordinalOf(set: StatefulSet, pod: Pod): number {
  const prefix = `${set.metadata?.name}-`;
  const name = pod.metadata?.name ?? '';
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : -1;
}

export function newStatefulPod(set: StatefulSet, ordinal: number, opts: { template: PodTemplateSpec; hash: string }): Pod {
  const name = `${set.metadata?.name}-${ordinal}`;
  const t = opts.template;
  const spec = structuredClone(t.spec ?? { containers: [] });
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata?.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_HASH_LABEL]: opts.hash },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(set, STS_GVK)],
    },
    spec,
  };
}
