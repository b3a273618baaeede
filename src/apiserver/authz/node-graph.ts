// Which objects each node's pods use: a simplified form of upstream's Node authorizer graph, kept
// from the pods' specs through the watch cache. A node may read a Secret, ConfigMap, PVC or
// ServiceAccount only when one of the pods bound to it references it.
import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { ApiContext } from '../context.ts';
import type { KObject } from '../registry/types.ts';
import { listPrefix } from '../store/codec.ts';

type RefKind = 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts' | 'pods';

/** `<kind>/<ns>/<name>` of everything a pod uses (and the pod itself). */
export function podReferences(pod: Pod): string[] {
  const ns = pod.metadata?.namespace ?? '';
  const out = new Set<string>([`pods/${ns}/${pod.metadata?.name ?? ''}`]);
  const add = (kind: RefKind, name: string | undefined): void => {
    if (name) out.add(`${kind}/${ns}/${name}`);
  };
  const spec = pod.spec;
  add('serviceaccounts', spec?.serviceAccountName ?? 'default');
  for (const s of spec?.imagePullSecrets ?? []) add('secrets', s.name);
  const volume = (v: Volume): void => {
    add('secrets', v.secret?.secretName);
    add('configmaps', v.configMap?.name);
    add('persistentvolumeclaims', v.persistentVolumeClaim?.claimName);
    for (const p of v.projected?.sources ?? []) {
      add('secrets', p.secret?.name);
      add('configmaps', p.configMap?.name);
    }
  };
  for (const v of spec?.volumes ?? []) volume(v);
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])]) {
    for (const e of c.env ?? []) {
      add('secrets', e.valueFrom?.secretKeyRef?.name);
      add('configmaps', e.valueFrom?.configMapKeyRef?.name);
    }
    for (const f of c.envFrom ?? []) {
      add('secrets', f.secretRef?.name);
      add('configmaps', f.configMapRef?.name);
    }
  }
  return [...out];
}

export class NodeGraph {
  /** pod key (`ns/name`) -> node and references. */
  private readonly pods = new Map<string, { node: string; refs: string[] }>();
  /** node -> reference -> number of its pods using it. */
  private readonly byNode = new Map<string, Map<string, number>>();

  static async start(ctx: ApiContext, signal: AbortSignal): Promise<NodeGraph> {
    const g = new NodeGraph();
    const handle = ctx.byGroupResource('', 'pods');
    if (!handle) return g;
    const list = await handle.store.list(undefined);
    for (const p of list.items) g.upsert(p);
    await ctx.watchCache.subscribe(
      listPrefix(handle.entry, undefined),
      Number(list.resourceVersion),
      (e) => {
        if (e.type === 'DELETED') g.remove(e.object);
        else g.upsert(e.object);
      },
      signal,
    );
    return g;
  }

  /** Whether a pod bound to `node` uses `<kind>/<ns>/<name>`. */
  has(node: string, kind: RefKind, namespace: string, name: string): boolean {
    return (this.byNode.get(node)?.get(`${kind}/${namespace}/${name}`) ?? 0) > 0;
  }

  private upsert(obj: KObject): void {
    this.remove(obj);
    const pod = obj as Pod;
    const node = pod.spec?.nodeName;
    if (!node) return;
    const refs = podReferences(pod);
    this.pods.set(`${pod.metadata?.namespace}/${pod.metadata?.name}`, { node, refs });
    let m = this.byNode.get(node);
    if (!m) this.byNode.set(node, (m = new Map()));
    for (const r of refs) m.set(r, (m.get(r) ?? 0) + 1);
  }

  private remove(obj: KObject): void {
    const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
    const old = this.pods.get(key);
    if (!old) return;
    this.pods.delete(key);
    const m = this.byNode.get(old.node);
    if (!m) return;
    for (const r of old.refs) {
      const n = (m.get(r) ?? 0) - 1;
      if (n <= 0) m.delete(r);
      else m.set(r, n);
    }
    if (m.size === 0) this.byNode.delete(old.node);
  }
}
