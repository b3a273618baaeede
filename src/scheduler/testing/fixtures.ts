import type { Container, Node, Pod, PodSpec, Taint } from 'kubernetes-types/core/v1.js';

let seq = 0;

export function makeNode(
  name: string,
  o: {
    cpu?: string;
    memory?: string;
    pods?: number;
    labels?: Record<string, string>;
    taints?: Taint[];
    unschedulable?: boolean;
    images?: Array<{ names: string[]; sizeBytes: number }>;
  } = {},
): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `node-${name}`, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: {
      allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: String(o.pods ?? 110), 'ephemeral-storage': '100Gi' },
      images: o.images,
    },
  };
}

export function makePod(
  name: string,
  o: {
    cpu?: string;
    memory?: string;
    labels?: Record<string, string>;
    nodeName?: string;
    priority?: number;
    spec?: Partial<PodSpec>;
    containers?: Container[];
    namespace?: string;
  } = {},
): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests['cpu'] = o.cpu;
  if (o.memory) requests['memory'] = o.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: `uid-${name}-${++seq}`, labels: o.labels },
    spec: {
      schedulerName: 'default-scheduler',
      nodeName: o.nodeName,
      priority: o.priority,
      containers: o.containers ?? [{ name: 'c', image: 'busybox', resources: { requests } }],
      ...(o.spec ?? {}),
    },
    status: { phase: 'Pending' },
  };
}

export const CONTROL_PLANE_TAINT: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
