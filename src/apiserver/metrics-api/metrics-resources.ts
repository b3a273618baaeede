// metrics.k8s.io/v1beta1 — NodeMetrics and PodMetrics, as metrics-server serves them through its
// APIService: get and list (label and field selectors, one namespace or all), computed from the
// node agents' Summary API at request time. The entries are registry entries like any other, so
// discovery (legacy and aggregated), OpenAPI and RBAC see the group as they see metrics-server's;
// only the request handling is their own (`serve`), since nothing is stored.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { rfc3339 } from '../../api/time.ts';
import { notFound } from '../errors.ts';
import type { RequestScope } from '../context.ts';
import { buildFieldMatcher, buildLabelMatcher } from '../handlers/selectors.ts';
import { sendJson } from '../http/respond.ts';
import type { KObject, ResourceEntry } from '../registry/types.ts';
import type { OpenApiSchema } from '../openapi/schemas.ts';
import type { PodStats } from '../../agent/index.ts';
import { SummaryScraper, type SummaryScraperOptions } from './summary-scraper.ts';
import { byteOrder } from '../../util/index.ts';

const GROUP = 'metrics.k8s.io';
const VERSION = 'v1beta1';
const API_VERSION = `${GROUP}/${VERSION}`;

/** CPU as metrics-server writes it (nano-cores), memory in Ki when whole, else bytes. */
export function cpuQuantity(nanoCores: number): string {
  return `${Math.max(0, Math.round(nanoCores))}n`;
}

export function memoryQuantity(bytes: number): string {
  const b = Math.max(0, Math.round(bytes));
  return b % 1024 === 0 ? `${b / 1024}Ki` : String(b);
}

const meta = (o: { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } }, now: string): Record<string, unknown> => ({
  name: o.metadata?.name,
  ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
  creationTimestamp: now,
  ...(o.metadata?.labels ? { labels: o.metadata.labels } : {}),
});

function podMetrics(pod: Pod, stats: PodStats, windowSeconds: number, now: string): KObject | undefined {
  const containers = [];
  for (const c of stats.containers) {
    // metrics-server drops a pod when any container has no CPU rate yet: a partial sum would mislead the HPA.
    if (c.cpu.usageNanoCores === undefined) return undefined;
    containers.push({ name: c.name, usage: { cpu: cpuQuantity(c.cpu.usageNanoCores), memory: memoryQuantity(c.memory.workingSetBytes) } });
  }
  if (containers.length === 0) return undefined;
  const time = stats.containers[0]?.cpu.time ?? now;
  return { kind: 'PodMetrics', apiVersion: API_VERSION, metadata: meta(pod, now), timestamp: time, window: `${windowSeconds}s`, containers };
}

export interface MetricsApiOptions extends SummaryScraperOptions {}

export interface MetricsApi {
  /** Registry entries: discovery, OpenAPI and RBAC see the group through them. */
  readonly entries: ResourceEntry[];
  /** Their request handlers, for startApiServer's `resourceHandlers`. */
  readonly handlers: ReadonlyMap<string, (scope: RequestScope) => Promise<void>>;
}

export function metricsApi(opts: MetricsApiOptions): MetricsApi {
  const scraper = new SummaryScraper(opts);
  const windowSeconds = Math.round((opts.resolutionMs ?? 5000) / 1000);
  const nowIso = (): string => rfc3339();

  async function listNodes(scope: RequestScope): Promise<Node[]> {
    const nodes = scope.ctx.byGroupResource('', 'nodes');
    if (!nodes) return [];
    return (await nodes.store.list(undefined)).items as Node[];
  }

  // A node that is not Ready is not scraped (its agent is likely gone): a request must not wait out
  // the scrape deadline for it. metrics-server leaves such nodes out the same way (no fresh data).
  const ready = (node: Node): boolean => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

  async function nodeMetrics(node: Node, now: string): Promise<KObject | undefined> {
    if (!ready(node)) return undefined;
    const s = await scraper.summary(node);
    const cpu = s?.summary.node.cpu;
    const mem = s?.summary.node.memory;
    if (!cpu || cpu.usageNanoCores === undefined || !mem) return undefined;
    return {
      kind: 'NodeMetrics',
      apiVersion: API_VERSION,
      metadata: meta(node, now),
      timestamp: cpu.time,
      window: `${windowSeconds}s`,
      usage: { cpu: cpuQuantity(cpu.usageNanoCores), memory: memoryQuantity(mem.workingSetBytes) },
    };
  }

  async function serveNodes(scope: RequestScope): Promise<void> {
    const now = nowIso();
    const { info, query, res } = scope;
    if (info.name) {
      const nodes = scope.ctx.byGroupResource('', 'nodes');
      const node = nodes ? ((await nodes.store.get(undefined, info.name).catch(() => undefined)) as Node | undefined) : undefined;
      const m = node ? await nodeMetrics(node, now) : undefined;
      if (!m) throw notFound({ group: GROUP, resource: 'nodemetrics' }, info.name);
      return sendJson(res, 200, m);
    }
    const labels = buildLabelMatcher(query.str('labelSelector'));
    const fields = buildFieldMatcher(nodesEntry, query.str('fieldSelector'));
    const nodes = (await listNodes(scope)).filter((n) => (!labels || labels(n.metadata?.labels)) && (!fields || fields(n as KObject)));
    const items = (await Promise.all(nodes.map((n) => nodeMetrics(n, now)))).filter((m): m is KObject => m !== undefined);
    sendJson(res, 200, { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items });
  }

  async function metricsOfPods(scope: RequestScope, pods: Pod[], now: string): Promise<KObject[]> {
    const byNode = new Map<string, Pod[]>();
    for (const p of pods) {
      const n = p.spec?.nodeName;
      if (n && p.status?.phase === 'Running') byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const nodes = new Map((await listNodes(scope)).map((n) => [n.metadata?.name ?? '', n]));
    const out: KObject[] = [];
    await Promise.all(
      [...byNode].map(async ([nodeName, own]) => {
        const node = nodes.get(nodeName);
        const s = node && ready(node) ? await scraper.summary(node) : undefined;
        if (!s) return;
        const byUid = new Map(s.summary.pods.map((p) => [p.podRef.uid, p]));
        for (const pod of own) {
          const stats = byUid.get(pod.metadata?.uid ?? '');
          const m = stats ? podMetrics(pod, stats, windowSeconds, now) : undefined;
          if (m) out.push(m);
        }
      }),
    );
    return out.sort((a, b) => byteOrder(`${a.metadata?.namespace}/${a.metadata?.name}`, `${b.metadata?.namespace}/${b.metadata?.name}`));
  }

  async function servePods(scope: RequestScope): Promise<void> {
    const now = nowIso();
    const { info, query, res } = scope;
    const store = scope.ctx.byGroupResource('', 'pods')?.store;
    if (info.name) {
      const name = `${info.namespace}/${info.name}`;
      const pod = store ? ((await store.get(info.namespace, info.name).catch(() => undefined)) as Pod | undefined) : undefined;
      const [m] = pod ? await metricsOfPods(scope, [pod], now) : [];
      if (!m) throw notFound({ group: GROUP, resource: 'podmetrics' }, name);
      return sendJson(res, 200, m);
    }
    const labelMatch = buildLabelMatcher(query.str('labelSelector'));
    const fieldMatch = buildFieldMatcher(podsEntry, query.str('fieldSelector'));
    const pods = store ? ((await store.list(info.namespace, { labelMatch, fieldMatch })).items as Pod[]) : [];
    const items = await metricsOfPods(scope, pods, now);
    sendJson(res, 200, { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items });
  }

  const common: Pick<ResourceEntry, 'group' | 'version' | 'verbs' | 'columns' | 'row' | 'openApiSchemas'> = {
    group: GROUP,
    version: VERSION,
    verbs: ['get', 'list'],
    columns: [],
    row: () => [],
    openApiSchemas: SCHEMAS,
  };
  const nodesEntry: ResourceEntry = {
    ...common,
    kind: 'NodeMetrics',
    listKind: 'NodeMetricsList',
    resource: 'nodes',
    singular: '',
    namespaced: false,
    schema: 'io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetrics',
  };
  const podsEntry: ResourceEntry = {
    ...common,
    kind: 'PodMetrics',
    listKind: 'PodMetricsList',
    resource: 'pods',
    singular: '',
    namespaced: true,
    schema: 'io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics',
  };
  return {
    entries: [nodesEntry, podsEntry],
    handlers: new Map([
      [`${GROUP}/${VERSION}/nodes`, serveNodes],
      [`${GROUP}/${VERSION}/pods`, servePods],
    ]),
  };
}

const usage: OpenApiSchema = { type: 'object', additionalProperties: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' } };
const objectMeta = { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' };
const gvk = (kind: string) => ({ 'x-kubernetes-group-version-kind': [{ group: GROUP, version: VERSION, kind }] });
const SCHEMAS: Record<string, OpenApiSchema> = {
  'io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetrics': {
    description: 'NodeMetrics sets resource usage metrics of a node.',
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: objectMeta,
      timestamp: { type: 'string', format: 'date-time' },
      window: { type: 'string' },
      usage,
    },
    ...gvk('NodeMetrics'),
  },
  'io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics': {
    description: 'PodMetrics sets resource usage metrics of a pod.',
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: objectMeta,
      timestamp: { type: 'string', format: 'date-time' },
      window: { type: 'string' },
      containers: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, usage } } },
    },
    ...gvk('PodMetrics'),
  },
};
