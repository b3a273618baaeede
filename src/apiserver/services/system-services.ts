// The Services every cluster has, created by the API server at start (idempotent):
// - `default/kubernetes` → the API server itself, with its Endpoints and EndpointSlice written
//   here (upstream's master endpoint reconciler; no selector, so no controller touches them);
// - `kube-system/kube-dns` at the 10th address of the service range. Peapod runs no DNS pods:
//   each agent serves DNS itself and DNATs this ClusterIP to its own listener, so the Service's
//   selector matches nothing and its EndpointSlice stays empty.
import { networkInterfaces } from 'node:os';
import { ApiError } from '../errors.ts';
import type { ApiContext } from '../context.ts';
import type { KObject } from '../registry/types.ts';
import { nthAddress, type IpRange } from './ip-range.ts';

/** DNS names of the `kubernetes` Service, in the serving certificate as upstream puts them. */
export const KUBERNETES_SERVICE_NAMES = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];

export const KUBE_DNS_LABELS = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };

/** The address clients inside the cluster use for the API server (upstream --advertise-address). */
export function advertiseAddress(host: string): string {
  if (host !== '0.0.0.0' && host !== '::' && host !== '') return host;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

async function createIfAbsent(ctx: ApiContext, group: string, resource: string, obj: KObject): Promise<void> {
  const handle = ctx.byGroupResource(group, resource);
  if (!handle) return;
  // Looked up first, as upstream's reconciler does: creating a Service that already exists fails
  // on its fixed cluster IP (allocated, to itself) before it reaches the name conflict.
  try {
    await handle.store.get(obj.metadata?.namespace, obj.metadata?.name ?? '');
    return;
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
  try {
    await handle.store.create(obj.metadata?.namespace, obj);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
  }
}

/** Creates or corrects an object whose whole content the server owns. */
async function apply(ctx: ApiContext, group: string, resource: string, obj: KObject, fields: string[]): Promise<void> {
  const handle = ctx.byGroupResource(group, resource);
  if (!handle) return;
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  try {
    await handle.store.create(ns, obj);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
    await handle.store.guaranteedUpdate(ns, name, (live) => {
      for (const f of fields) live[f] = obj[f];
      live.metadata = { ...live.metadata, labels: { ...live.metadata?.labels, ...obj.metadata?.labels } };
      return live;
    });
  }
}

export async function ensureSystemServices(
  ctx: ApiContext,
  opts: { range: IpRange; address: string; port: number; log?: (msg: string, fields?: Record<string, unknown>) => void },
): Promise<void> {
  const { range, address, port } = opts;
  const steps: Array<[string, () => Promise<void>]> = [
    [
      'kubernetes service',
      () =>
        createIfAbsent(ctx, '', 'services', {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
          spec: {
            type: 'ClusterIP',
            clusterIP: nthAddress(range, 1),
            ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
            sessionAffinity: 'None',
          },
        }),
    ],
    [
      'kubernetes endpoints',
      () =>
        apply(
          ctx,
          '',
          'endpoints',
          {
            apiVersion: 'v1',
            kind: 'Endpoints',
            metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
            subsets: [{ addresses: [{ ip: address }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
          },
          ['subsets'],
        ),
    ],
    [
      'kubernetes endpointslice',
      () =>
        apply(
          ctx,
          'discovery.k8s.io',
          'endpointslices',
          {
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
            addressType: 'IPv4',
            endpoints: [{ addresses: [address], conditions: { ready: true } }],
            ports: [{ name: 'https', port, protocol: 'TCP' }],
          },
          ['endpoints', 'ports', 'addressType'],
        ),
    ],
    [
      'kube-dns service',
      () =>
        createIfAbsent(ctx, '', 'services', {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...KUBE_DNS_LABELS } },
          spec: {
            type: 'ClusterIP',
            clusterIP: nthAddress(range, 10),
            selector: { 'k8s-app': 'kube-dns' },
            ports: [
              { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
              { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
              { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
            ],
          },
        }),
    ],
  ];
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (e) {
      // A range changed under existing Services can make the fixed IPs unavailable; the server
      // still serves (upstream logs and retries the same way).
      opts.log?.(`could not ensure the ${what}`, { error: e instanceof Error ? e.message : String(e) });
    }
  }
}
