// The resource quota controller (upstream pkg/controller/resourcequota): keeps each quota's
// status.hard (= spec.hard) and status.used current. Pod changes recompute the quotas of their
// namespace at once; quotas counting other kinds are also recomputed every RESYNC_MS.
import type { Pod, ResourceQuota } from 'kubernetes-types/core/v1.js';
import { countedResource, formatQuantity, objectUsage, type QuotaObject } from '../../api/index.ts';
import { createWorkQueue, enqueueOnChange, isNotFound, keyOf, resources, runController, type Informer } from '../../client/index.ts';
import type { ResourceDiscovery } from '../resource-discovery.ts';
import type { Controller, ControllerDeps } from '../types.ts';

const RESYNC_MS = 10_000;

export function createResourceQuotaController(deps: ControllerDeps, opts: { discovery: ResourceDiscovery }): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'resourcequota', clock });
  const quotas: Informer<ResourceQuota> = deps.informers.informerFor<ResourceQuota>(resources.resourcequotas);
  const pods: Informer<Pod> = deps.informers.informerFor<Pod>(resources.pods);
  enqueueOnChange(quotas, queue);
  const podChanged = (p: Pod) => {
    for (const q of quotas.store.list()) if (q.metadata?.namespace === p.metadata?.namespace) queue.add(keyOf(q));
  };
  pods.on('add', podChanged);
  pods.on('update', (_o, p) => podChanged(p));
  pods.on('delete', podChanged);

  async function reconcile(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const quota = quotas.store.get(key);
    if (!quota) return;
    const ns = quota.metadata?.namespace ?? '';
    const hard = quota.spec?.hard ?? {};
    const used: Record<string, string> = {};
    let countsOthers = false;
    const cache = new Map<string, QuotaObject[]>();
    for (const name of Object.keys(hard)) {
      const counted = countedResource(name);
      if (!counted) continue;
      const isPods = counted.group === '' && counted.resource === 'pods';
      if (!isPods) countsOthers = true;
      const ref = opts.discovery.current().find((r) => r.ref.group === counted.group && r.ref.resource === counted.resource)?.ref;
      if (!ref) {
        used[name] = '0';
        continue;
      }
      const cacheKey = `${counted.group}/${counted.resource}`;
      let objects = cache.get(cacheKey) ?? (isPods ? pods.store.list().filter((p) => p.metadata?.namespace === ns) : undefined);
      if (!objects) {
        try {
          objects = (await client.list(ref, ns, { signal })).items;
        } catch (e) {
          if (!isNotFound(e)) throw e;
          objects = [];
        }
      }
      cache.set(cacheKey, objects);
      used[name] = formatQuantity(
        name,
        objects.reduce((sum, o) => sum + objectUsage(name, counted, o), 0),
      );
    }
    const status = { hard: { ...hard }, used };
    if (JSON.stringify(quota.status ?? {}) !== JSON.stringify(status)) {
      try {
        await client.update<ResourceQuota>(resources.resourcequotas, ns, { ...quota, status }, { subresource: 'status', signal });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return countsOthers ? { requeueAfterMs: RESYNC_MS } : undefined;
  }

  return {
    name: 'resourcequota',
    run: (signal) => runController({ name: 'resourcequota-controller', reconciler: { reconcile }, queue, workers: deps.workers ?? 2, signal, logger }),
  };
}
