// DaemonSet pod placement (upstream pkg/controller/daemon/util and NodeShouldRunDaemonPod): which
// nodes a DaemonSet wants a pod on, and the pod it creates there. The pod is pinned with a
// required node affinity `matchFields metadata.name In [node]` and left to the scheduler, so
// resources, ports and preemption are the scheduler's business, as upstream.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, NodeSelectorTerm, Pod, PodSpec, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { firstUntolerated, nodeSelectorTermsMatch } from '../../api/index.ts';
import { newControllerRef } from '../controller-ref.ts';
import { REVISION_HASH_LABEL } from '../controller-revision.ts';

export const DS_GVK = { apiVersion: 'apps/v1', kind: 'DaemonSet' };
/** Deprecated upstream but still set on every daemon pod. */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

const exists = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', effect });

/**
 * upstream util.AddOrUpdateDaemonPodTolerations: daemons keep running on unhealthy nodes and are
 * placed on nodes under pressure or cordoned; host-network daemons also on nodes whose network
 * is not up yet (they often are the network).
 */
export function daemonTolerations(spec: PodSpec | undefined): Toleration[] {
  const add = [
    exists('node.kubernetes.io/not-ready', 'NoExecute'),
    exists('node.kubernetes.io/unreachable', 'NoExecute'),
    exists('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/unschedulable', 'NoSchedule'),
  ];
  if (spec?.hostNetwork) add.push(exists('node.kubernetes.io/network-unavailable', 'NoSchedule'));
  const out = [...(spec?.tolerations ?? [])];
  // "AddOrUpdate": an existing toleration for the same key and effect is replaced.
  for (const t of add) {
    const i = out.findIndex((o) => o.key === t.key && o.effect === t.effect);
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

export interface Placement {
  /** A daemon pod should be created on the node. */
  shouldRun: boolean;
  /** An existing daemon pod may stay (false: untolerated NoExecute taint or selector mismatch). */
  shouldContinueRunning: boolean;
}

/** NodeShouldRunDaemonPod: nodeName, nodeSelector, required affinity and taints vs tolerations. */
export function placement(ds: DaemonSet, node: Node): Placement {
  const spec = ds.spec?.template?.spec;
  const no = { shouldRun: false, shouldContinueRunning: false };
  if (spec?.nodeName && spec.nodeName !== node.metadata?.name) return no;
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return no;
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !nodeSelectorTermsMatch(terms, node)) return no;
  const taints = node.spec?.taints ?? [];
  const tolerations = daemonTolerations(spec);
  if (firstUntolerated(taints, tolerations, ['NoExecute'])) return no;
  if (firstUntolerated(taints, tolerations, ['NoSchedule'])) return { shouldRun: false, shouldContinueRunning: true };
  return { shouldRun: true, shouldContinueRunning: true };
}

/** The node a daemon pod is on, or is pinned to by its matchFields affinity before scheduling. */
export function targetNode(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const t of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of t.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** upstream ReplaceDaemonSetPodNodeNameNodeAffinity: required terms become the one node term. */
function pinnedSpec(spec: PodSpec, nodeName: string): PodSpec {
  const term: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const affinity = structuredClone(spec.affinity ?? {});
  const nodeAffinity = { ...(affinity.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } };
  return { ...spec, affinity: { ...affinity, nodeAffinity }, tolerations: daemonTolerations(spec) };
}

export function newDaemonPod(ds: DaemonSet, opts: { nodeName: string; template: PodTemplateSpec; hash: string }): Pod {
  const t = opts.template;
  const spec = pinnedSpec(structuredClone(t.spec ?? { containers: [] }), opts.nodeName);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata?.name}-`,
      namespace: ds.metadata?.namespace,
      labels: {
        ...(t.metadata?.labels ?? {}),
        [REVISION_HASH_LABEL]: opts.hash,
        [TEMPLATE_GENERATION_LABEL]: String(ds.metadata?.generation ?? 1),
      },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ds, DS_GVK)],
    },
    spec,
  };
}
