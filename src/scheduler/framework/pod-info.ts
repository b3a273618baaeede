import type { Pod, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { podRequests, type Resources } from './resources.ts';
import { selectorMatcher, type LabelMatch as LabelMatcher, type LabelSet as Labels } from '../../api/index.ts';

/** Built-in PriorityClasses (scheduling.k8s.io), used when admission has not set spec.priority. */
export const SYSTEM_PRIORITY_CLASSES: Readonly<Record<string, number>> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

export interface AffinityTerm {
  /** Namespaces named by the term (the pod's own when neither list nor selector is set). */
  readonly namespaces: ReadonlySet<string>;
  /** Compiled namespaceSelector; undefined when the term has none. */
  readonly namespaceSelector: LabelMatcher | undefined;
  readonly selector: LabelMatcher;
  readonly topologyKey: string;
}
export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

/**
 * Everything the plugins need from a pod, computed once when the pod enters the queue or cache,
 * so a cycle never re-parses quantities or selectors per node.
 */
export interface PodInfo {
  readonly pod: Pod;
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly priority: number;
  /** Effective requests (filtering). */
  readonly requests: Resources;
  /** Requests with 100m/200Mi defaults for unset cpu/memory (scoring). */
  readonly nonZeroRequests: Resources;
  readonly hostPorts: readonly HostPort[];
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
}

export function podKey(pod: Pod): string {
  return pod.metadata?.uid ?? `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? SYSTEM_PRIORITY_CLASSES[pod.spec?.priorityClassName ?? ''] ?? 0;
}

function affinityTerm(pod: Pod, t: PodAffinityTerm): AffinityTerm {
  const ns = pod.metadata?.namespace ?? 'default';
  const namespaces = new Set(t.namespaces ?? []);
  if (namespaces.size === 0 && !t.namespaceSelector) namespaces.add(ns);
  const podLabels = pod.metadata?.labels ?? {};
  const extra: Record<string, string> = {};
  for (const k of t.matchLabelKeys ?? []) if (podLabels[k] !== undefined) extra[k] = podLabels[k];
  return {
    namespaces,
    namespaceSelector: t.namespaceSelector ? selectorMatcher(t.namespaceSelector) : undefined,
    selector: selectorMatcher(t.labelSelector, { extra }),
    topologyKey: t.topologyKey,
  };
}

function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

export function newPodInfo(pod: Pod): PodInfo {
  const a = pod.spec?.affinity;
  return {
    pod,
    key: podKey(pod),
    namespace: pod.metadata?.namespace ?? 'default',
    name: pod.metadata?.name ?? '',
    labels: pod.metadata?.labels ?? {},
    priority: podPriority(pod),
    requests: podRequests(pod),
    nonZeroRequests: podRequests(pod, { nonZero: true }),
    hostPorts: hostPorts(pod),
    requiredAffinityTerms: (a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => affinityTerm(pod, t)),
    requiredAntiAffinityTerms: (a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => affinityTerm(pod, t)),
    preferredAffinityTerms: (a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({
      ...affinityTerm(pod, w.podAffinityTerm),
      weight: w.weight,
    })),
    preferredAntiAffinityTerms: (a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({
      ...affinityTerm(pod, w.podAffinityTerm),
      weight: w.weight,
    })),
  };
}

/** Does `target` fall under `term`? `nsLabels` resolves namespace labels for namespaceSelector. */
export function termMatches(term: AffinityTerm, target: PodInfo, nsLabels: ((ns: string) => Labels | undefined) | undefined): boolean {
  if (!term.namespaces.has(target.namespace)) {
    if (!term.namespaceSelector?.(nsLabels?.(target.namespace) ?? {})) return false;
  }
  return term.selector(target.labels);
}

export const isTerminating = (p: PodInfo): boolean => p.pod.metadata?.deletionTimestamp != null;
