// A built-in load-balancer provider in the spirit of k3s's ServiceLB: a LoadBalancer Service is
// reached on its NodePorts (allocated by the API server as for any LoadBalancer Service) on every
// node, so its status.loadBalancer.ingress lists the InternalIPs of the Ready nodes. Services that
// name a loadBalancerClass belong to another provider and are left alone; a Service that stops
// being a LoadBalancer gets its ingress cleared, as upstream's service controller does.
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import { createWorkQueue, isConflict, isNotFound, keyOf, resources, runController, splitKey, type Informer } from '../../client/index.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { canonical } from '../../util/index.ts';

export function isNodeReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The ingress list for the given nodes: Ready, not cordoned-for-LB, InternalIP, sorted. */
export function lbIngress(nodes: readonly Node[]): Array<{ ip: string }> {
  const ips = new Set<string>();
  for (const n of nodes) {
    if (!isNodeReady(n)) continue;
    // Upstream's label for nodes that must not carry load-balancer traffic.
    if (n.metadata?.labels?.['node.kubernetes.io/exclude-from-external-load-balancers'] !== undefined) continue;
    const ip = (n.status?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address;
    if (ip) ips.add(ip);
  }
  return [...ips].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((ip) => ({ ip }));
}

export function createServiceLbController(deps: ControllerDeps): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'servicelb', clock });
  const services: Informer<Service> = deps.informers.informerFor<Service>(resources.services);
  const nodes: Informer<Node> = deps.informers.informerFor<Node>(resources.nodes);

  services.on('add', (s) => queue.add(keyOf(s)));
  services.on('update', (_o, s) => queue.add(keyOf(s)));
  const allLbs = (): void => {
    for (const s of services.store.list()) if (s.spec?.type === 'LoadBalancer') queue.add(keyOf(s));
  };
  nodes.on('add', allLbs);
  nodes.on('update', (o, n) => {
    if (isNodeReady(o) !== isNodeReady(n) || canonical(o.status?.addresses) !== canonical(n.status?.addresses)) allLbs();
  });
  nodes.on('delete', allLbs);

  async function reconcile(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const svc = services.store.get(key);
    if (!svc || svc.spec?.loadBalancerClass) return;
    const want = svc.spec?.type === 'LoadBalancer' ? lbIngress(nodes.store.list()) : [];
    const have = svc.status?.loadBalancer?.ingress ?? [];
    if (canonical(have) === canonical(want)) return;
    const { namespace } = splitKey(key);
    try {
      await client.update<Service>(
        resources.services,
        namespace,
        { ...svc, status: { ...svc.status, loadBalancer: want.length ? { ingress: want } : {} } },
        { subresource: 'status', signal },
      );
    } catch (e) {
      if (isNotFound(e)) return;
      if (isConflict(e)) return { requeueAfterMs: 50 };
      throw e;
    }
  }

  return {
    name: 'servicelb',
    run: (signal) => runController({ name: 'servicelb', reconciler: { reconcile }, queue, workers: 1, signal, logger }),
  };
}
