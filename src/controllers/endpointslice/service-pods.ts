// Informer wiring shared by the EndpointSlice and Endpoints controllers: which Services a pod
// change concerns (same namespace, selector matches the old or new labels).
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { keyOf, NAMESPACE_INDEX, type Informer } from '../../client/index.ts';

/** Services with a non-empty selector; others have their endpoints written by someone else. */
export function hasSelector(svc: Service): boolean {
  return Object.keys(svc.spec?.selector ?? {}).length > 0 && (svc.spec?.type ?? 'ClusterIP') !== 'ExternalName';
}

export function selects(svc: Service, labels: Readonly<Record<string, string>> | undefined): boolean {
  const sel = svc.spec?.selector ?? {};
  const l = labels ?? {};
  return Object.entries(sel).every(([k, v]) => l[k] === v);
}

/** Pods a Service selects, from the pod informer (indexed by namespace). */
export function selectedPods(pods: Informer<Pod>, svc: Service): Pod[] {
  return pods.store.byIndex(NAMESPACE_INDEX, svc.metadata?.namespace ?? '').filter((p) => selects(svc, p.metadata?.labels));
}

/** Keys of the Services whose endpoints a pod change can alter. */
export function servicesForPod(services: Informer<Service>, ...versions: Pod[]): string[] {
  const ns = versions[0]?.metadata?.namespace ?? '';
  const keys = new Set<string>();
  for (const svc of services.store.byIndex(NAMESPACE_INDEX, ns)) {
    if (!hasSelector(svc)) continue;
    if (versions.some((p) => selects(svc, p.metadata?.labels))) keys.add(keyOf(svc));
  }
  return [...keys];
}

/** Whether a pod update can change any endpoint (labels, IP, readiness, deletion, node...). */
export function podEndpointChanged(a: Pod, b: Pod): boolean {
  const view = (p: Pod) =>
    JSON.stringify([
      p.metadata?.labels,
      p.metadata?.deletionTimestamp,
      p.status?.podIP,
      p.status?.podIPs,
      p.status?.phase,
      (p.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status,
      p.spec?.nodeName,
      p.spec?.hostname,
      p.spec?.subdomain,
    ]);
  return view(a) !== view(b);
}
