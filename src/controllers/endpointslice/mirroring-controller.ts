// The EndpointSlice mirroring controller (upstream pkg/controller/endpointslicemirroring): the
// Endpoints a user writes for a Service without a selector are mirrored into EndpointSlices, so
// node proxies and DNS, which read slices only, reach them. Endpoints labelled
// endpointslice.kubernetes.io/skip-mirror=true (the API server's own `kubernetes`) are skipped.
// Mirrored slices are owned by the Endpoints and marked managed-by the mirroring controller.
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { createWorkQueue, keyOf, resources, runController, splitKey, type Informer } from '../../client/index.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './endpointslice-controller.ts';
import { portsKey } from './pod-endpoints.ts';
import { hasSelector } from './service-pods.ts';
import { endpointKey, planSlices, type DesiredGroup } from './slice-plan.ts';
import { SliceTracker } from './slice-tracker.ts';
import { applySlicePlan, deleteSlice } from './slice-writer.ts';

export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
const INDEX = 'endpointslicemirroring/service';

export function mirroredEndpoints(eps: Endpoints): Map<string, DesiredGroup> {
  const groups = new Map<string, DesiredGroup>();
  for (const ss of eps.subsets ?? []) {
    const ports = (ss.ports ?? []).map((p) => ({
      name: p.name ?? '',
      port: p.port,
      protocol: p.protocol ?? 'TCP',
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    }));
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: new Map() }));
    for (const [list, ready] of [
      [ss.addresses ?? [], true],
      [ss.notReadyAddresses ?? [], false],
    ] as const) {
      for (const a of list) {
        if (!/^\d+\.\d+\.\d+\.\d+$/.test(a.ip)) continue; // IPv4 slices only
        const ep: Endpoint = {
          addresses: [a.ip],
          conditions: { ready },
          ...(a.hostname ? { hostname: a.hostname } : {}),
          ...(a.nodeName ? { nodeName: a.nodeName } : {}),
          ...(a.targetRef ? { targetRef: a.targetRef } : {}),
        };
        g.endpoints.set(endpointKey(ep) || a.ip, ep);
      }
    }
  }
  for (const [k, g] of groups) if (g.endpoints.size === 0) groups.delete(k);
  return groups;
}

export function createMirroringController(deps: ControllerDeps): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'endpointslice-mirroring', clock });
  const services: Informer<Service> = deps.informers.informerFor<Service>(resources.services);
  const endpoints: Informer<Endpoints> = deps.informers.informerFor<Endpoints>(resources.endpoints);
  const slices: Informer<EndpointSlice> = deps.informers.informerFor<EndpointSlice>(resources.endpointslices, {
    indexers: {
      [INDEX]: (s: EndpointSlice) => {
        const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
        return name && s.metadata?.labels?.[MANAGED_BY_LABEL] === MIRRORING_CONTROLLER_NAME ? [`${s.metadata?.namespace ?? ''}/${name}`] : [];
      },
    },
  });
  const tracker = new SliceTracker();
  for (const inf of [services, endpoints] as Informer<Service | Endpoints>[]) {
    inf.on('add', (o) => queue.add(keyOf(o)));
    inf.on('update', (_o, n) => queue.add(keyOf(n)));
    inf.on('delete', (o) => queue.add(keyOf(o)));
  }
  const onSlice = (s: EndpointSlice): void => {
    const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (name && s.metadata?.labels?.[MANAGED_BY_LABEL] === MIRRORING_CONTROLLER_NAME) queue.add(`${s.metadata?.namespace ?? ''}/${name}`);
  };
  slices.on('add', onSlice);
  slices.on('update', (_o, s) => onSlice(s));
  slices.on('delete', onSlice);

  async function reconcile(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const existing = slices.store.byIndex(INDEX, key);
    if (tracker.stale(key, existing)) return { requeueAfterMs: 1000 };
    const svc = services.store.get(key);
    const eps = endpoints.store.get(key);
    const mirror =
      svc && eps && !hasSelector(svc) && (svc.spec?.type ?? 'ClusterIP') !== 'ExternalName' && eps.metadata?.labels?.[SKIP_MIRROR_LABEL] !== 'true';
    if (!mirror) {
      for (const s of existing) await deleteSlice(client, tracker, key, s, signal);
      return;
    }
    const { namespace, name } = splitKey(key);
    const desired = mirroredEndpoints(eps);
    // Upstream keeps no placeholder for mirrored Endpoints without addresses.
    const plan = desired.size === 0 ? { create: [], update: [], delete: [...existing] } : planSlices(desired, existing);
    const labels: Record<string, string> = { ...(eps.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MIRRORING_CONTROLLER_NAME };
    const owner = { apiVersion: 'v1', kind: 'Endpoints', name, uid: eps.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
    return applySlicePlan(client, plan, { target: { key, namespace, generateName: `${name}-`, labels, owner }, existing, tracker, signal });
  }

  return {
    name: 'endpointslice-mirroring',
    run: (signal) => runController({ name: 'endpointslice-mirroring', reconciler: { reconcile }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}
