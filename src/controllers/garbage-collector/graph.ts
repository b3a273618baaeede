// The ownership graph the garbage collector keeps from its informers: every object by uid, and for
// each owner uid the uids of its dependents. Owners may be absent from the graph (not yet seen, or
// gone): the collector verifies those against the API before acting.
import type { KubeObject } from '../../client/index.ts';
import type { DiscoveredResource } from '../discovery.ts';

export interface GraphNode {
  readonly resource: DiscoveredResource;
  readonly obj: KubeObject;
}

export class OwnershipGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  has(uid: string): boolean {
    return this.nodes.has(uid);
  }

  dependentsOf(uid: string): GraphNode[] {
    return [...(this.dependents.get(uid) ?? [])].flatMap((d) => {
      const n = this.nodes.get(d);
      return n ? [n] : [];
    });
  }

  /** Adds or replaces the node for `obj`; returns the owner uids it no longer references. */
  upsert(resource: DiscoveredResource, obj: KubeObject): string[] {
    const uid = obj.metadata?.uid;
    if (!uid) return [];
    const before = this.ownerUids(this.nodes.get(uid)?.obj);
    const after = this.ownerUids(obj);
    for (const o of before) if (!after.includes(o)) this.unlink(o, uid);
    for (const o of after) {
      let set = this.dependents.get(o);
      if (!set) this.dependents.set(o, (set = new Set()));
      set.add(uid);
    }
    this.nodes.set(uid, { resource, obj });
    return before.filter((o) => !after.includes(o));
  }

  remove(obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const node = this.nodes.get(uid);
    if (!node) return;
    for (const o of this.ownerUids(node.obj)) this.unlink(o, uid);
    this.nodes.delete(uid);
  }

  private unlink(owner: string, dependent: string): void {
    const set = this.dependents.get(owner);
    set?.delete(dependent);
    if (set?.size === 0) this.dependents.delete(owner);
  }

  private ownerUids(obj: KubeObject | undefined): string[] {
    return (obj?.metadata?.ownerReferences ?? []).map((r) => r.uid);
  }
}
