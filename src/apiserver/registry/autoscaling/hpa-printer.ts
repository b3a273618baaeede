// `kubectl get hpa` columns (upstream printHorizontalPodAutoscaler): REFERENCE Kind/name, TARGETS
// `cpu: 45%/50%` per metric (at most two, then `+ N more...`), MINPODS, MAXPODS, REPLICAS.
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';

const UNKNOWN = '<unknown>';

function formatMetric(spec: MetricSpec, status: MetricStatus | undefined): string {
  const avgOrValue = (target: { averageValue?: unknown; value?: unknown }, current: { averageValue?: unknown; value?: unknown } | undefined): string => {
    if (target.averageValue !== undefined) return `${current?.averageValue ?? UNKNOWN}/${String(target.averageValue)} (avg)`;
    return `${current?.value ?? UNKNOWN}/${String(target.value)}`;
  };
  switch (spec.type) {
    case 'Resource':
    case 'ContainerResource': {
      const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const cur = spec.type === 'Resource' ? status?.resource?.current : status?.containerResource?.current;
      if (!src) return UNKNOWN;
      const prefix = spec.type === 'Resource' ? `${src.name}: ` : `${src.name} of container "${spec.containerResource?.container}": `;
      if (src.target.averageValue !== undefined) return `${prefix}${cur?.averageValue ?? UNKNOWN}/${String(src.target.averageValue)}`;
      const current = cur?.averageUtilization !== undefined ? `${cur.averageUtilization}%` : UNKNOWN;
      const target = src.target.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : '<auto>';
      return `${prefix}${current}/${target}`;
    }
    case 'Pods':
      return `${spec.pods?.metric.name}: ${status?.pods?.current.averageValue ?? UNKNOWN}/${String(spec.pods?.target.averageValue)}`;
    case 'Object':
      return `${spec.object?.metric.name}: ${avgOrValue(spec.object?.target ?? {}, status?.object?.current)}`;
    case 'External':
      return `${spec.external?.metric.name}: ${avgOrValue(spec.external?.target ?? {}, status?.external?.current)}`;
    default:
      return '<unknown type>';
  }
}

export function hpaTargets(hpa: HorizontalPodAutoscaler): string {
  const specs = hpa.spec?.metrics ?? [];
  if (specs.length === 0) return '<none>';
  const statuses = hpa.status?.currentMetrics ?? [];
  const list = specs.map((s, i) => formatMetric(s, statuses[i]));
  const max = 2;
  return list.length > max ? `${list.slice(0, max).join(', ')} + ${list.length - max} more...` : list.join(', ');
}
