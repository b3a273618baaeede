import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { SharedLister } from '../framework/interfaces.ts';
import { NodeInfo } from '../framework/node-info.ts';
import { newPodInfo, podKey, type PodInfo } from '../framework/pod-info.ts';
import { systemClock, type Clock } from '../../util/index.ts';

export interface SchedulerCacheOptions {
  readonly clock?: Clock;
  /** Assumed pods whose binding finished but no informer add confirmed them are dropped after this. */
  readonly assumedPodTtlMs?: number;
}

interface PodState {
  pi: PodInfo;
  nodeName: string;
  assumed: boolean;
  /** Set by finishBinding: when an unconfirmed assumed pod expires. */
  deadline?: number;
}

/**
 * The scheduler's view of nodes and the pods on them, including *assumed* pods: placed by a
 * scheduling cycle before the bind call returns, so a burst of pods sees each other's requests.
 * Life of an assumed pod: assume → finishBinding (bind returned) → informer add confirms it; or
 * forget (bind failed); or expiry after TTL if no confirmation ever arrives.
 */
export class SchedulerCache implements SharedLister {
  private readonly clock: Clock;
  private readonly ttl: number;
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly pods = new Map<string, PodState>();
  private nodeList: NodeInfo[] = [];
  private listDirty = false;
  /** image name → node names holding it */
  private readonly imageNodes = new Map<string, Set<string>>();

  constructor(opts: SchedulerCacheOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.ttl = opts.assumedPodTtlMs ?? 15 * 60_000;
  }

  private info(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) this.nodes.set(name, (ni = new NodeInfo(name)));
    return ni;
  }

  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const ni = this.info(name);
    if (ni.node) this.untrackImages(ni);
    else this.listDirty = true;
    ni.setNode(node);
    this.trackImages(ni);
  }
  updateNode(node: Node): void {
    this.addNode(node);
  }
  removeNode(name: string): void {
    const ni = this.nodes.get(name);
    if (!ni) return;
    this.untrackImages(ni);
    if (ni.pods.length === 0) this.nodes.delete(name);
    else ni.node = undefined; // pods still reference it; keep as ghost until they go
    this.listDirty = true;
  }

  private trackImages(ni: NodeInfo): void {
    for (const img of ni.images.keys()) {
      let s = this.imageNodes.get(img);
      if (!s) this.imageNodes.set(img, (s = new Set()));
      s.add(ni.name);
    }
  }
  private untrackImages(ni: NodeInfo): void {
    for (const img of ni.images.keys()) this.imageNodes.get(img)?.delete(ni.name);
  }

  /** Places the pod on the node now, before binding. */
  assumePod(pi: PodInfo, nodeName: string): void {
    if (this.pods.has(pi.key)) throw new Error(`pod ${pi.namespace}/${pi.name} is already in the cache`);
    this.info(nodeName).addPod(pi);
    this.pods.set(pi.key, { pi, nodeName, assumed: true });
  }

  /** Bind returned; start the expiry clock for the assumed pod. */
  finishBinding(key: string): void {
    const s = this.pods.get(key);
    if (s?.assumed) s.deadline = this.clock.now() + this.ttl;
  }

  /** Binding failed: undo the assumption. */
  forgetPod(key: string): void {
    const s = this.pods.get(key);
    if (!s?.assumed) return;
    this.removeState(key, s);
  }

  private removeState(key: string, s: PodState): void {
    const ni = this.nodes.get(s.nodeName);
    ni?.removePod(key);
    this.pods.delete(key);
    if (ni && !ni.node && ni.pods.length === 0) this.nodes.delete(s.nodeName);
  }

  /** Informer add/update of a bound pod (confirms an assumed pod). Returns its PodInfo. */
  addPod(pod: Pod): PodInfo {
    const key = podKey(pod);
    const nodeName = pod.spec?.nodeName ?? '';
    const s = this.pods.get(key);
    if (s) this.removeState(key, s);
    const pi = newPodInfo(pod);
    this.info(nodeName).addPod(pi);
    this.pods.set(key, { pi, nodeName, assumed: false });
    return pi;
  }
  updatePod(pod: Pod): PodInfo {
    return this.addPod(pod);
  }
  removePod(pod: Pod): void {
    const key = podKey(pod);
    const s = this.pods.get(key);
    if (s) this.removeState(key, s);
  }

  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed ?? false;
  }
  has(key: string): boolean {
    return this.pods.has(key);
  }

  /** Drops assumed pods past their deadline (bound, but never confirmed by the informer). */
  cleanupExpiredAssumedPods(): number {
    const now = this.clock.now();
    let n = 0;
    for (const [key, s] of this.pods) {
      if (s.assumed && s.deadline !== undefined && s.deadline <= now) {
        this.removeState(key, s);
        n++;
      }
    }
    return n;
  }

  // SharedLister

  list(): readonly NodeInfo[] {
    if (this.listDirty) {
      this.nodeList = [...this.nodes.values()].filter((n) => n.node);
      this.listDirty = false;
    }
    return this.nodeList;
  }
  get(name: string): NodeInfo | undefined {
    const ni = this.nodes.get(name);
    return ni?.node ? ni : undefined;
  }
  withPodsWithAffinity(): readonly NodeInfo[] {
    return this.list().filter((n) => n.podsWithAffinity.length > 0);
  }
  withPodsWithRequiredAntiAffinity(): readonly NodeInfo[] {
    return this.list().filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
  }
  imageNodeCount(image: string): number {
    return this.imageNodes.get(image)?.size ?? 0;
  }
}
