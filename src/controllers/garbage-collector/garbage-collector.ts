// The garbage collector (upstream pkg/controller/garbagecollector), keyed by object uid:
//  - an object with ownerReferences none of which is alive is deleted (its own orphan /
//    foregroundDeletion finalizer chooses the propagation it gets); references to owners that are
//    gone (dangling) or being deleted in the foreground are removed when another owner is alive;
//  - an owner being deleted with `orphan` gets its reference stripped from every dependent, then
//    the finalizer removed;
//  - an owner being deleted with `foregroundDeletion` has its dependents deleted and keeps the
//    finalizer until no dependent with blockOwnerDeletion is left.
// Every action is a write guarded by resourceVersion or uid, so a stale cache costs a retry.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { createWorkQueue, isNotFound, runController, type KubeObject, ignoreNotFound } from '../../client/index.ts';
import type { DiscoveredResource } from '../discovery.ts';
import type { ResourceDiscovery } from '../resource-discovery.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { OwnershipGraph, type GraphNode } from './graph.ts';

const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';

/**
 * Resources the collector neither watches nor collects, as upstream's DefaultIgnoredResources:
 * Events are many, short-lived (--event-ttl removes them) and never owners worth tracking, so
 * caching every one would cost memory and a watch stream on the hottest write path.
 */
const IGNORED_RESOURCES: ReadonlySet<string> = new Set(['/events', 'events.k8s.io/events']);

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

export function createGarbageCollector(deps: ControllerDeps, opts: { discovery: ResourceDiscovery }): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'garbage-collector', clock });
  const graph = new OwnershipGraph();
  const byGroupKind = new Map<string, DiscoveredResource>();
  /** Set once run() started the informers; resources discovered later start their own then. */
  let running: AbortSignal | undefined;

  const finalizers = (o: KubeObject): string[] => o.metadata?.finalizers ?? [];
  const uidOf = (o: KubeObject): string => o.metadata?.uid ?? '';

  function observe(resource: DiscoveredResource, obj: KubeObject): void {
    const dropped = graph.upsert(resource, obj);
    const uid = uidOf(obj);
    if (obj.metadata?.deletionTimestamp && finalizers(obj).some((f) => f === ORPHAN || f === FOREGROUND)) queue.add(uid);
    if ((obj.metadata?.ownerReferences ?? []).some((r) => !graph.has(r.uid) || graph.get(r.uid)?.obj.metadata?.deletionTimestamp)) queue.add(uid);
    // An owner waiting for its dependents may be unblocked by a dependent letting go.
    for (const o of dropped) queue.add(o);
  }

  opts.discovery.onAdd((r) => {
    byGroupKind.set(`${r.ref.group}/${r.kind}`, r);
    if (!['list', 'watch', 'delete'].every((v) => r.verbs.includes(v))) return;
    if (IGNORED_RESOURCES.has(`${r.ref.group}/${r.ref.resource}`)) return;
    const inf = deps.informers.informerFor<KubeObject>(r.ref);
    inf.on('add', (o) => observe(r, o));
    inf.on('update', (_old, o) => observe(r, o));
    inf.on('delete', (o) => {
      const uid = uidOf(o);
      const owners = (graph.get(uid)?.obj ?? o).metadata?.ownerReferences ?? [];
      const dependents = graph.dependentsOf(uid);
      graph.remove(o);
      for (const d of dependents) queue.add(uidOf(d.obj));
      for (const ref of owners) queue.add(ref.uid);
    });
    if (running) deps.informers.start(running);
  });

  async function patchMeta(node: GraphNode, meta: Record<string, unknown>, signal: AbortSignal): Promise<void> {
    const m = node.obj.metadata ?? {};
    await client
      .patch(node.resource.ref, m.namespace, m.name ?? '', { metadata: { ...meta, resourceVersion: m.resourceVersion } }, { type: 'merge', signal })
      .catch(ignoreNotFound);
  }

  async function removeFinalizer(node: GraphNode, name: string, signal: AbortSignal): Promise<void> {
    const rest = finalizers(node.obj).filter((f) => f !== name);
    await patchMeta(node, { finalizers: rest.length ? rest : null }, signal);
  }

  type OwnerState = 'solid' | 'dangling' | 'waiting';

  /** Is the owner alive? Graph first; an owner missing from the graph is checked with a GET. */
  async function ownerState(dependent: GraphNode, ref: OwnerReference, signal: AbortSignal): Promise<OwnerState> {
    const known = graph.get(ref.uid);
    const judge = (o: KubeObject): OwnerState => (o.metadata?.deletionTimestamp && finalizers(o).includes(FOREGROUND) ? 'waiting' : 'solid');
    if (known) return judge(known.obj);
    const res = byGroupKind.get(`${groupOf(ref.apiVersion)}/${ref.kind}`);
    if (!res) return 'dangling';
    try {
      const live = await client.get(res.ref, res.ref.namespaced ? dependent.obj.metadata?.namespace : undefined, ref.name, { signal });
      return live.metadata?.uid === ref.uid ? judge(live) : 'dangling';
    } catch (e) {
      if (isNotFound(e)) return 'dangling';
      throw e;
    }
  }

  async function deleteObject(node: GraphNode, policy: 'Background' | 'Foreground' | 'Orphan', signal: AbortSignal): Promise<void> {
    const m = node.obj.metadata ?? {};
    await client
      .delete(node.resource.ref, m.namespace, m.name ?? '', { propagationPolicy: policy, preconditions: { uid: m.uid } }, { signal })
      .catch(ignoreNotFound);
  }

  async function attemptToDelete(node: GraphNode, signal: AbortSignal): Promise<void> {
    const refs = node.obj.metadata?.ownerReferences ?? [];
    if (refs.length === 0 || node.obj.metadata?.deletionTimestamp) return;
    const states = await Promise.all(refs.map((r) => ownerState(node, r, signal)));
    const keep = refs.filter((_r, i) => states[i] === 'solid');
    if (keep.length > 0) {
      if (keep.length < refs.length) await patchMeta(node, { ownerReferences: keep }, signal);
      return;
    }
    const waiting = states.includes('waiting');
    const f = finalizers(node.obj);
    const policy =
      waiting && graph.dependentsOf(uidOf(node.obj)).length > 0
        ? 'Foreground'
        : f.includes(ORPHAN)
          ? 'Orphan'
          : f.includes(FOREGROUND)
            ? 'Foreground'
            : 'Background';
    await deleteObject(node, policy, signal);
  }

  async function reconcile(uid: string, signal: AbortSignal): Promise<void> {
    const node = graph.get(uid);
    if (!node) return;
    const obj = node.obj;
    if (obj.metadata?.deletionTimestamp) {
      const f = finalizers(obj);
      if (f.includes(ORPHAN)) {
        for (const dep of graph.dependentsOf(uid)) {
          const refs = (dep.obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid);
          await patchMeta(dep, { ownerReferences: refs.length ? refs : null }, signal);
        }
        await removeFinalizer(node, ORPHAN, signal);
        return;
      }
      if (f.includes(FOREGROUND)) {
        const dependents = graph.dependentsOf(uid);
        const blocking = dependents.filter((d) => (d.obj.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion));
        if (blocking.length === 0) {
          await removeFinalizer(node, FOREGROUND, signal);
          for (const d of dependents) queue.add(uidOf(d.obj));
          return;
        }
        // Dependents are deleted by their own syncs; their deletion events bring us back here.
        for (const d of dependents) queue.add(uidOf(d.obj));
      }
      return;
    }
    await attemptToDelete(node, signal);
  }

  return {
    name: 'garbage-collector',
    run: (signal) => {
      running = signal;
      return runController({ name: 'garbage-collector', reconciler: { reconcile }, queue, workers: deps.workers ?? 5, signal, logger });
    },
  };
}
