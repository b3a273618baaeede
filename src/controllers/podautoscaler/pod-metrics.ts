// Pod usage for the HPA from the resource metrics API (metrics.k8s.io/v1beta1 PodMetrics), as
// upstream's REST metrics client: per pod the sum over its containers (or one container, for
// ContainerResource metrics), with the sample's timestamp and window.
import type { Client } from '../../client/index.ts';
import { milliValue, quantityValue } from '../../api/index.ts';
import type { PodMetric } from './replica-calculator.ts';

interface PodMetricsList {
  items?: { metadata?: { name?: string }; timestamp?: string; window?: string; containers?: { name: string; usage?: Record<string, string> }[] }[];
}

function durationMs(window: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)s$/.exec(window ?? '');
  return m ? Number(m[1]) * 1000 : 0;
}

/** cpu in millicores, everything else in plain units (bytes). */
export function metricValue(resource: string, q: string): number {
  return resource === 'cpu' ? milliValue(q) : quantityValue(q);
}

export async function fetchPodMetrics(
  client: Client,
  opts: { namespace: string; selector: string; resource: string; container?: string; signal: AbortSignal },
): Promise<Map<string, PodMetric>> {
  const q = new URLSearchParams({ labelSelector: opts.selector });
  const list = await client.raw<PodMetricsList>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(opts.namespace)}/pods?${q}`, undefined, {
    signal: opts.signal,
  });
  const out = new Map<string, PodMetric>();
  for (const item of list.items ?? []) {
    const name = item.metadata?.name;
    if (!name) continue;
    let value = 0;
    let found = false;
    for (const c of item.containers ?? []) {
      if (opts.container !== undefined && c.name !== opts.container) continue;
      const u = c.usage?.[opts.resource];
      if (u === undefined) continue;
      value += metricValue(opts.resource, u);
      found = true;
    }
    if (found) out.set(name, { value, timestampMs: Date.parse(item.timestamp ?? '') || 0, windowMs: durationMs(item.window) });
  }
  return out;
}
