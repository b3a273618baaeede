// The Endpoints controller (upstream pkg/controller/endpoint): keeps the legacy v1 Endpoints of
// every Service with a selector — ready addresses, not-ready ones in notReadyAddresses, grouped
// into subsets by the ports each pod resolves — so `kubectl get endpoints` and `kubectl describe
// svc` show them. Terminating pods are left out unless the Service publishes not-ready
// addresses. More than 1000 addresses are truncated with the over-capacity annotation.
import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import {
  createWorkQueue,
  ignoreNotFound,
  isAlreadyExists,
  isConflict,
  isNotFound,
  keyOf,
  NAMESPACE_INDEX,
  namespaceIndexer,
  resources,
  runController,
  splitKey,
  type Informer,
} from '../../client/index.ts';
import { isPodReady } from '../pod-util.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { HEADLESS_LABEL } from '../endpointslice/endpointslice-controller.ts';
import { findPort, podHostname, shouldPodBeInEndpoints } from '../endpointslice/pod-endpoints.ts';
import { hasSelector, podEndpointChanged, selectedPods, servicesForPod } from '../endpointslice/service-pods.ts';
import { byteOrder, canonical } from '../../util/index.ts';

export const MAX_CAPACITY = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

function address(pod: Pod, svc: Service): EndpointAddress {
  const hostname = podHostname(pod, svc);
  return {
    ip: pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '',
    ...(hostname ? { hostname } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
}

/** The subsets of `svc` given its selected pods (upstream syncService + RepackSubsets). */
export function endpointSubsets(svc: Service, pods: readonly Pod[]): { subsets: EndpointSubset[]; truncated: boolean } {
  const tolerateUnready = svc.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  let total = 0;
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const svcPorts = svc.spec?.ports ?? [];
    const ports: EndpointPort[] = [];
    for (const sp of svcPorts) {
      const port = findPort(pod, sp);
      if (port !== undefined)
        ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    // A pod that resolves none of the ports is no endpoint, except for port-less headless services.
    if (ports.length === 0 && !(svcPorts.length === 0 && svc.spec?.clusterIP === 'None')) continue;
    ports.sort((a, b) => byteOrder(a.name ?? '', b.name ?? '') || a.port - b.port);
    const key = canonical(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, ready: [], notReady: [] }));
    if (total >= MAX_CAPACITY) continue;
    total++;
    if (tolerateUnready || isPodReady(pod)) g.ready.push(address(pod, svc));
    else g.notReady.push(address(pod, svc));
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress) =>
    a.ip.localeCompare(b.ip, 'en', { numeric: true }) || byteOrder(a.targetRef?.uid ?? '', b.targetRef?.uid ?? '');
  const subsets: EndpointSubset[] = [];
  for (const g of groups.values()) {
    if (g.ready.length + g.notReady.length === 0) continue;
    subsets.push({
      ...(g.ready.length ? { addresses: g.ready.sort(byIp) } : {}),
      ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIp) } : {}),
      ...(g.ports.length ? { ports: g.ports } : {}),
    });
  }
  const counted = pods.filter((p) => shouldPodBeInEndpoints(p, tolerateUnready)).length;
  return { subsets, truncated: counted > MAX_CAPACITY };
}

export function createEndpointsController(deps: ControllerDeps): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'endpoints', clock });
  const indexers = { [NAMESPACE_INDEX]: namespaceIndexer };
  const services: Informer<Service> = deps.informers.informerFor<Service>(resources.services, { indexers });
  const pods: Informer<Pod> = deps.informers.informerFor<Pod>(resources.pods, { indexers });
  const endpoints: Informer<Endpoints> = deps.informers.informerFor<Endpoints>(resources.endpoints, { indexers });

  services.on('add', (s) => queue.add(keyOf(s)));
  services.on('update', (_o, s) => queue.add(keyOf(s)));
  services.on('delete', (s) => queue.add(keyOf(s)));
  pods.on('add', (p) => servicesForPod(services, p).forEach((k) => queue.add(k)));
  pods.on('update', (o, p) => {
    if (podEndpointChanged(o, p)) servicesForPod(services, o, p).forEach((k) => queue.add(k));
  });
  pods.on('delete', (p) => servicesForPod(services, p).forEach((k) => queue.add(k)));
  endpoints.on('delete', (e) => queue.add(keyOf(e)));

  async function reconcile(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const { namespace, name } = splitKey(key);
    const svc = services.store.get(key);
    const current = endpoints.store.get(key);
    if (!svc) {
      // Upstream deletes the Endpoints of a deleted Service; selector-less ones are not ours but
      // lose their Service too.
      if (current) await client.delete(resources.endpoints, namespace, name, {}, { signal }).catch(ignoreNotFound);
      return;
    }
    if (!hasSelector(svc) || svc.metadata?.deletionTimestamp) return;
    const { subsets, truncated } = endpointSubsets(svc, selectedPods(pods, svc));
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
    if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
    else delete labels[HEADLESS_LABEL];
    const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
    if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    if (
      current &&
      canonical(current.subsets ?? []) === canonical(subsets) &&
      canonical(current.metadata?.labels ?? {}) === canonical(labels) &&
      canonical(current.metadata?.annotations ?? {}) === canonical(annotations)
    )
      return;
    const body: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { ...(current?.metadata ?? {}), name, namespace, labels, annotations },
      subsets,
    };
    try {
      if (current) await client.update<Endpoints>(resources.endpoints, namespace, body, { signal });
      else await client.create<Endpoints>(resources.endpoints, namespace, body, { signal });
    } catch (e) {
      if (isConflict(e) || isAlreadyExists(e) || isNotFound(e)) return { requeueAfterMs: 50 };
      throw e;
    }
  }

  return {
    name: 'endpoints',
    run: (signal) => runController({ name: 'endpoints', reconciler: { reconcile }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}
