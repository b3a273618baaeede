import type { PodInfo } from '../framework/pod-info.ts';

/** Pods nominated to nodes by preemption; filters treat them as already there. */
export class Nominator {
  private readonly byNode = new Map<string, PodInfo[]>();
  private readonly nodeOf = new Map<string, string>();

  add(pi: PodInfo, nodeName: string): void {
    this.delete(pi.key);
    if (!nodeName) return;
    this.nodeOf.set(pi.key, nodeName);
    const list = this.byNode.get(nodeName) ?? [];
    list.push(pi);
    this.byNode.set(nodeName, list);
  }
  delete(key: string): void {
    const node = this.nodeOf.get(key);
    if (node === undefined) return;
    this.nodeOf.delete(key);
    const list = (this.byNode.get(node) ?? []).filter((p) => p.key !== key);
    if (list.length > 0) this.byNode.set(node, list);
    else this.byNode.delete(node);
  }
  forNode(nodeName: string): readonly PodInfo[] {
    return this.byNode.get(nodeName) ?? EMPTY;
  }
}
const EMPTY: readonly PodInfo[] = [];
