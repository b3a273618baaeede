import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import type { HostPort, PodInfo } from './pod-info.ts';
import { addResources, cloneResources, emptyResources, nodeAllocatable, type Resources } from './resources.ts';
import type { LabelSet as Labels } from '../../api/index.ts';

/**
 * Aggregated per-node state, kept up to date incrementally by the cache (add/remove pod) so that a
 * Filter is a few comparisons. A NodeInfo can exist without a Node ("ghost") when pods bound to a
 * node arrive before the node itself; such infos are never offered to plugins.
 */
export class NodeInfo {
  node: Node | undefined;
  readonly name: string;
  labels: Labels = {};
  taints: readonly Taint[] = [];
  allocatable: Resources & { allowedPodNumber: number } = { ...emptyResources(), allowedPodNumber: 0 };
  /** Image name → size in bytes, from node.status.images (every listed name). */
  images = new Map<string, number>();
  readonly pods: PodInfo[] = [];
  /** Pods with any pod (anti-)affinity: the only ones InterPodAffinity scoring has to visit. */
  readonly podsWithAffinity: PodInfo[] = [];
  /** Pods with required anti-affinity: the only ones the "existing pods" check has to visit. */
  readonly podsWithRequiredAntiAffinity: PodInfo[] = [];
  requested: Resources = emptyResources();
  nonZeroRequested: Resources = emptyResources();
  /** `${protocol}/${port}` → host IPs in use (0.0.0.0 = all). */
  readonly usedPorts = new Map<string, string[]>();
  /** Bumped on every change; lets callers cache derived data per node. */
  generation = 0;

  constructor(name: string, node?: Node) {
    this.name = name;
    if (node) this.setNode(node);
  }

  setNode(node: Node): void {
    this.node = node;
    this.labels = node.metadata?.labels ?? {};
    this.taints = node.spec?.taints ?? [];
    this.allocatable = nodeAllocatable(node.status?.allocatable);
    this.images = new Map();
    for (const img of node.status?.images ?? []) {
      for (const n of img.names ?? []) this.images.set(n, img.sizeBytes ?? 0);
    }
    this.generation++;
  }

  addPod(pi: PodInfo): void {
    this.pods.push(pi);
    if (hasAffinity(pi)) this.podsWithAffinity.push(pi);
    if (pi.requiredAntiAffinityTerms.length > 0) this.podsWithRequiredAntiAffinity.push(pi);
    this.account(pi, 1);
  }

  /** Removes the pod with this key; returns false when it was not on the node. */
  removePod(key: string): boolean {
    const i = this.pods.findIndex((p) => p.key === key);
    if (i < 0) return false;
    const pi = this.pods[i]!;
    this.pods.splice(i, 1);
    removeFrom(this.podsWithAffinity, key);
    removeFrom(this.podsWithRequiredAntiAffinity, key);
    this.account(pi, -1);
    return true;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    addResources(this.requested, pi.requests, sign);
    addResources(this.nonZeroRequested, pi.nonZeroRequests, sign);
    for (const p of pi.hostPorts) {
      const k = `${p.protocol}/${p.port}`;
      const ips = this.usedPorts.get(k) ?? [];
      if (sign > 0) ips.push(p.ip);
      else ips.splice(ips.indexOf(p.ip), 1);
      if (ips.length > 0) this.usedPorts.set(k, ips);
      else this.usedPorts.delete(k);
    }
    this.generation++;
  }

  /** Host port conflict check (NodePorts): 0.0.0.0 conflicts with every IP on the same port. */
  portInUse(p: HostPort): boolean {
    const ips = this.usedPorts.get(`${p.protocol}/${p.port}`);
    if (!ips) return false;
    return p.ip === '0.0.0.0' || ips.includes('0.0.0.0') || ips.includes(p.ip);
  }

  /** A copy safe to mutate (preemption dry runs, nominated pods). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.labels = this.labels;
    c.taints = this.taints;
    c.allocatable = this.allocatable;
    c.images = this.images;
    c.pods.push(...this.pods);
    c.podsWithAffinity.push(...this.podsWithAffinity);
    c.podsWithRequiredAntiAffinity.push(...this.podsWithRequiredAntiAffinity);
    c.requested = cloneResources(this.requested);
    c.nonZeroRequested = cloneResources(this.nonZeroRequested);
    for (const [k, v] of this.usedPorts) c.usedPorts.set(k, [...v]);
    c.generation = this.generation;
    return c;
  }
}

export function hasAffinity(pi: PodInfo): boolean {
  return pi.requiredAffinityTerms.length + pi.requiredAntiAffinityTerms.length + pi.preferredAffinityTerms.length + pi.preferredAntiAffinityTerms.length > 0;
}

function removeFrom(list: PodInfo[], key: string): void {
  const i = list.findIndex((p) => p.key === key);
  if (i >= 0) list.splice(i, 1);
}
