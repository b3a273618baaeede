// Prometheus metrics of the API server, named as upstream's so dashboards read them unchanged.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LONG_RUNNING_LABELS = ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;
type LongRunningLabel = (typeof LONG_RUNNING_LABELS)[number];

export interface ApiMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'verb' | 'resource' | 'code'>;
  readonly latency: Histogram<'verb' | 'resource'>;
  readonly longRunning: Gauge<LongRunningLabel>;
}

/** The key a long-running request is counted under (its metric labels, as upstream's). */
export function longRunningKey(r: {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  scope: 'cluster' | 'namespace' | 'resource';
}): string {
  const labels: Record<LongRunningLabel, string> = {
    verb: r.verb,
    group: r.group,
    version: r.version,
    resource: r.resource,
    subresource: r.subresource ?? '',
    scope: r.scope,
    component: 'apiserver',
  };
  return JSON.stringify(labels);
}

export interface MetricsOptions {
  /** Open long-running requests by longRunningKey(), read at every scrape. */
  longRunning?: ReadonlyMap<string, number>;
}

export function createMetrics(opts: MetricsOptions = {}): ApiMetrics {
  const open = opts.longRunning ?? new Map<string, number>();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, resource and HTTP response code.',
      labelNames: ['verb', 'resource', 'code'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb and resource.',
      labelNames: ['verb', 'resource'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    longRunning: new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component.',
      labelNames: LONG_RUNNING_LABELS,
      registers: [registry],
      collect() {
        this.reset();
        for (const [key, n] of open) if (n > 0) this.set(JSON.parse(key) as Record<LongRunningLabel, string>, n);
      },
    }),
  };
}
