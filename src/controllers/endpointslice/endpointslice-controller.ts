// The EndpointSlice controller (upstream pkg/controller/endpointslice): for every Service with a
// selector, slices of at most 100 endpoints — one per selected pod with an IP, with ready/serving/
// terminating conditions, targetRef, nodeName and hostname — grouped by the ports each pod
// resolves (named targetPorts are looked up per pod). Slices carry the Service's labels plus
// kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by, and are owned by the
// Service (the garbage collector removes them with it).
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { createWorkQueue, keyOf, NAMESPACE_INDEX, namespaceIndexer, resources, runController, splitKey, type Informer } from '../../client/index.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { endpointPorts, podToEndpoint, portsKey, shouldPodBeInEndpoints } from './pod-endpoints.ts';
import { hasSelector, podEndpointChanged, selectedPods, servicesForPod } from './service-pods.ts';
import { endpointKey, planSlices, type DesiredGroup } from './slice-plan.ts';
import { SliceTracker } from './slice-tracker.ts';
import { applySlicePlan, deleteSlice } from './slice-writer.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
const SERVICE_INDEX = 'endpointslice-controller/service';

export interface EndpointSliceControllerOptions {
  /** Endpoints per slice (upstream --max-endpoints-per-slice, default 100). */
  maxEndpointsPerSlice?: number;
}

/** Labels every slice of `svc` carries (upstream setEndpointSliceLabels). */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {}))
    if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL && k !== HEADLESS_LABEL) labels[k] = v;
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

export function desiredEndpoints(svc: Service, pods: readonly Pod[]): Map<string, DesiredGroup> {
  const groups = new Map<string, DesiredGroup>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: new Map() }));
    const ep = podToEndpoint(pod, svc);
    g.endpoints.set(endpointKey(ep), ep);
  }
  return groups;
}

export function createEndpointSliceController(deps: ControllerDeps, opts: EndpointSliceControllerOptions = {}): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'endpointslice', clock });
  const indexers = { [NAMESPACE_INDEX]: namespaceIndexer };
  const services: Informer<Service> = deps.informers.informerFor<Service>(resources.services, { indexers });
  const pods: Informer<Pod> = deps.informers.informerFor<Pod>(resources.pods, { indexers });
  const slices: Informer<EndpointSlice> = deps.informers.informerFor<EndpointSlice>(resources.endpointslices, {
    indexers: {
      ...indexers,
      // Our slices by the key of their Service.
      [SERVICE_INDEX]: (s: EndpointSlice) => {
        const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
        return name && s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME ? [`${s.metadata?.namespace ?? ''}/${name}`] : [];
      },
    },
  });
  const tracker = new SliceTracker();

  services.on('add', (s) => queue.add(keyOf(s)));
  services.on('update', (_o, s) => queue.add(keyOf(s)));
  services.on('delete', (s) => queue.add(keyOf(s)));
  pods.on('add', (p) => servicesForPod(services, p).forEach((k) => queue.add(k)));
  pods.on('update', (o, p) => {
    if (podEndpointChanged(o, p)) servicesForPod(services, o, p).forEach((k) => queue.add(k));
  });
  pods.on('delete', (p) => servicesForPod(services, p).forEach((k) => queue.add(k)));
  // Our own writes arriving (a sync waiting for the cache resumes at once) and someone else
  // editing or deleting our slices (they are put back).
  const onSlice = (s: EndpointSlice): void => {
    const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (name && s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME) queue.add(`${s.metadata?.namespace ?? ''}/${name}`);
  };
  slices.on('add', onSlice);
  slices.on('update', (_o, s) => onSlice(s));
  slices.on('delete', onSlice);

  async function reconcile(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const svc = services.store.get(key);
    const existing = slices.store.byIndex(SERVICE_INDEX, key);
    // The slice event that ends the wait enqueues the key again; the delay is only a safety net.
    if (tracker.stale(key, existing)) return { requeueAfterMs: 1000 };
    const { namespace } = splitKey(key);
    if (!svc || svc.metadata?.deletionTimestamp || !hasSelector(svc)) {
      // The garbage collector removes owned slices with the Service; a Service that lost its
      // selector keeps none of ours either.
      if (svc && !svc.metadata?.deletionTimestamp) {
        for (const s of existing) await deleteSlice(client, tracker, key, s, signal);
      }
      if (!svc) tracker.forget(key);
      return;
    }
    const desired = desiredEndpoints(svc, selectedPods(pods, svc));
    const plan = planSlices(desired, existing, opts.maxEndpointsPerSlice);
    const owner = {
      apiVersion: 'v1',
      kind: 'Service',
      name: svc.metadata?.name ?? '',
      uid: svc.metadata?.uid ?? '',
      controller: true,
      blockOwnerDeletion: true,
    };
    const target = { key, namespace, generateName: `${svc.metadata?.name ?? ''}-`, labels: sliceLabels(svc), owner };
    return applySlicePlan(client, plan, { target, existing, tracker, signal });
  }

  return {
    name: 'endpointslice',
    run: (signal) => runController({ name: 'endpointslice', reconciler: { reconcile }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}
