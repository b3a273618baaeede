// `kubectl get services` columns (upstream printService): Name, Type, Cluster-IP, External-IP,
// Port(s), Age, and Selector with -o wide.
import type { Service } from 'kubernetes-types/core/v1.js';
import { since } from '../age.ts';
import { ageColumn, column } from '../common.ts';
import type { ColumnDefinition, StrategyContext } from '../types.ts';

export const serviceColumns: ColumnDefinition[] = [
  column('Type', 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.'),
  column('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
  column('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
  column('Port(s)', 'The list of ports that are exposed by this service.'),
  ageColumn,
  column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { priority: 1 }),
];

/** Sorted `k=v` pairs joined by commas (labels.FormatLabels), `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(',') : '<none>';
}

function externalIPs(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ExternalName':
      return spec.externalName ?? '';
    case 'LoadBalancer': {
      const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean);
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    default:
      return external.length ? external.join(',') : '<none>';
  }
}

function ports(svc: Service): string {
  const list = svc.spec?.ports ?? [];
  if (list.length === 0) return '<none>';
  return list.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

export function serviceRow(svc: Service, ctx: StrategyContext): unknown[] {
  const clusterIP = svc.spec?.clusterIP || '<none>';
  return [
    svc.spec?.type ?? 'ClusterIP',
    clusterIP,
    externalIPs(svc),
    ports(svc),
    since(svc.metadata?.creationTimestamp, ctx),
    formatLabels(svc.spec?.selector),
  ];
}
