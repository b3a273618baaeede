// The namespace lifecycle controller (upstream pkg/controller/namespace): a namespace being deleted
// (phase Terminating, set by the API server) has every namespaced object in it deleted through
// deletecollection, is looked at again until nothing is left (pods wait for their grace period,
// objects for their finalizers), and is then finalized: PUT namespaces/<name>/finalize without the
// `kubernetes` finalizer, which deletes the namespace.
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { ClientError, createWorkQueue, enqueueOnChange, isNotFound, resources, runController, type Informer } from '../../client/index.ts';
import type { ResourceDiscovery } from '../resource-discovery.ts';
import type { Controller, ControllerDeps } from '../types.ts';

export const NAMESPACE_FINALIZER = 'kubernetes';
/** How soon to look again while content is still going away. */
const RECHECK_MS = 1000;

/** 404/405: the collection cannot be listed or deleted here; nothing to do for it. */
const ignorable = (e: unknown): boolean => isNotFound(e) || (e instanceof ClientError && e.code === 405);

export function createNamespaceController(deps: ControllerDeps, opts: { discovery: ResourceDiscovery }): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'namespace', clock });
  const namespaces: Informer<Namespace> = deps.informers.informerFor<Namespace>(resources.namespaces);
  // Read at every sync: resources added after start-up (custom resources) are content too.
  const contents = () =>
    opts.discovery
      .current()
      .filter((r) => r.ref.namespaced && r.verbs.includes('list') && (r.verbs.includes('deletecollection') || r.verbs.includes('delete')));

  enqueueOnChange(namespaces, queue, (ns) => (ns.metadata?.deletionTimestamp ? [ns.metadata.name ?? ''] : []));

  /** Deletes what is in `ns`; returns how many objects are still there. */
  async function deleteContent(ns: string, signal: AbortSignal): Promise<number> {
    let remaining = 0;
    for (const r of contents()) {
      try {
        const list = await client.list(r.ref, ns, { signal });
        if (list.items.length === 0) continue;
        remaining += list.items.length;
        if (r.verbs.includes('deletecollection')) {
          await client.deleteCollection(r.ref, ns, { signal }, { propagationPolicy: 'Background' });
        } else {
          for (const o of list.items) {
            if (o.metadata?.deletionTimestamp) continue;
            await client.delete(r.ref, ns, o.metadata?.name ?? '', { propagationPolicy: 'Background' }, { signal }).catch((e: unknown) => {
              if (!isNotFound(e)) throw e;
            });
          }
        }
      } catch (e) {
        if (!ignorable(e)) throw e;
      }
    }
    return remaining;
  }

  async function reconcile(name: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const ns = namespaces.store.get(name);
    if (!ns?.metadata?.deletionTimestamp) return;
    const finalizers = ns.spec?.finalizers ?? [];
    if (!finalizers.includes(NAMESPACE_FINALIZER)) return;
    if ((await deleteContent(name, signal)) > 0) return { requeueAfterMs: RECHECK_MS };
    const finalized: Namespace = { ...ns, spec: { ...ns.spec, finalizers: finalizers.filter((f) => f !== NAMESPACE_FINALIZER) } };
    try {
      await client.update<Namespace>(resources.namespaces, undefined, finalized, { subresource: 'finalize', signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      // 404 from the router (namespaces/<name>/finalize not routed yet) or the namespace is gone:
      // the main resource accepts dropping finalizers of a terminating namespace.
      try {
        await client.update<Namespace>(resources.namespaces, undefined, finalized, { signal });
      } catch (e2) {
        if (!isNotFound(e2)) throw e2;
      }
    }
  }

  return {
    name: 'namespace',
    run: (signal) => runController({ name: 'namespace-controller', reconciler: { reconcile }, queue, workers: deps.workers ?? 2, signal, logger }),
  };
}
