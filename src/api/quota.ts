// ResourceQuota arithmetic shared by the quota admission plugin (API server) and the quota
// controller: which objects a quota resource name counts, an object's usage of it, and how used
// amounts print (upstream's quota evaluators for core objects, plus object counts `count/<r>.<g>`).
import { parseQuantity } from './quantity.ts';

/** A parsed object; only metadata, spec and status are read. */
export interface QuotaObject {
  metadata?: { name?: string; namespace?: string; deletionTimestamp?: string };
  spec?: unknown;
  status?: unknown;
}

/** The collection a quota resource name counts objects of. */
export interface CountedResource {
  group: string;
  resource: string;
}

/** Bare names that count core objects (upstream's "standard" object-count names). */
const CORE_COUNTS = ['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas'];
const POD_COMPUTE = [
  'cpu',
  'memory',
  'requests.cpu',
  'requests.memory',
  'limits.cpu',
  'limits.memory',
  'ephemeral-storage',
  'requests.ephemeral-storage',
  'limits.ephemeral-storage',
];

/** The collection `name` is computed from, or undefined for names Peapod does not track. */
export function countedResource(name: string): CountedResource | undefined {
  if (CORE_COUNTS.includes(name)) return { group: '', resource: name };
  if (POD_COMPUTE.includes(name)) return { group: '', resource: 'pods' };
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
  }
  return undefined;
}

interface Container {
  name?: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}

function podContainers(pod: QuotaObject): { containers: Container[]; init: Container[] } {
  const spec = (pod.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  return { containers: spec.containers ?? [], init: spec.initContainers ?? [] };
}

/** Terminal pods (Succeeded/Failed) no longer use quota, as upstream's pod evaluator. */
export function podIsTerminal(pod: QuotaObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Requests or limits of one compute resource for a pod: sum of containers, at least the largest init container. */
function podCompute(pod: QuotaObject, kind: 'requests' | 'limits', resource: string): number {
  const { containers, init } = podContainers(pod);
  const of = (c: Container) => {
    const q = c.resources?.[kind]?.[resource] ?? (kind === 'requests' ? c.resources?.limits?.[resource] : undefined);
    return q === undefined ? 0 : parseQuantity(q);
  };
  const sum = containers.reduce((a, c) => a + of(c), 0);
  return Math.max(sum, ...init.map(of));
}

/** How much of quota resource `name` one object uses (0 when it does not count). */
export function objectUsage(name: string, counted: CountedResource, obj: QuotaObject): number {
  if (counted.resource === 'pods' && counted.group === '') {
    if (podIsTerminal(obj)) return 0;
    if (name === 'pods' || name === 'count/pods') return 1;
    const [kind, resource] = name.includes('.') ? (name.split('.', 2) as ['requests' | 'limits', string]) : (['requests', name] as const);
    return podCompute(obj, kind, resource);
  }
  return 1;
}

/** Containers of a pod lacking the request/limit a quota on `name` needs ("must specify"). */
export function missingCompute(name: string, pod: QuotaObject): boolean {
  if (!POD_COMPUTE.includes(name) || name.includes('ephemeral')) return false;
  const [kind, resource] = name.includes('.') ? (name.split('.', 2) as ['requests' | 'limits', string]) : (['requests', name] as const);
  return podContainers(pod).containers.some(
    (c) => c.resources?.[kind]?.[resource] === undefined && !(kind === 'requests' && c.resources?.limits?.[resource] !== undefined),
  );
}

/** A used/hard amount as a Kubernetes quantity string: `2`, `500m`, `1Gi`, `128Mi`. */
export function formatQuantity(name: string, v: number): string {
  if (/(^|\.)(memory|ephemeral-storage|storage)$/.test(name)) {
    for (const [suffix, size] of [
      ['Gi', 2 ** 30],
      ['Mi', 2 ** 20],
      ['Ki', 2 ** 10],
    ] as const) {
      if (v !== 0 && v % size === 0) return `${v / size}${suffix}`;
    }
    return String(Math.round(v));
  }
  if (Number.isInteger(v)) return String(v);
  return `${Math.round(v * 1000)}m`;
}
