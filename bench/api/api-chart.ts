// bench/out/api.png: latency percentiles per operation (log scale, with the SLO line) above watch
// event arrivals per second during the live burst.
import { barChart, lineChart } from '../lib/chart.ts';
import { stackVertically, type Raster } from '../lib/raster.ts';
import type { Summary } from '../lib/stats.ts';

export interface OpRow {
  readonly label: string;
  readonly summary: Summary;
}

export function apiChart(rows: readonly OpRow[], watch: { eventTimes: readonly number[]; ackTimes: readonly number[] }, title: string): Raster {
  const bars = barChart({
    title,
    yLabel: 'latency ms',
    log: true,
    categories: rows.map((r) => r.label),
    series: (['p50', 'p90', 'p99'] as const).map((p) => ({ name: p, values: rows.map((r) => r.summary[p]) })),
    references: [{ value: 1000, label: 'K8s SLO: p99 ≤ 1 s (mutating, single-object read)' }],
  });
  const line = lineChart({
    title: 'Watch, one watcher: pods created vs events received, per second',
    xLabel: 'seconds since the burst started',
    yLabel: 'per second',
    series: [
      { name: 'creates acknowledged/s', points: perSecondSeries(watch.ackTimes) },
      { name: 'watch events received/s', points: perSecondSeries(watch.eventTimes) },
    ],
  });
  return stackVertically([bars, line]);
}

/** Rates in buckets (ms timestamps → [seconds, count/s]), bucket size chosen for ~40 points. */
function perSecondSeries(times: readonly number[]): [number, number][] {
  const end = Math.max(0, ...times);
  const bucketMs = Math.max(50, Math.ceil(end / 40 / 50) * 50);
  const counts = new Array<number>(Math.floor(end / bucketMs) + 1).fill(0);
  for (const t of times) {
    const i = Math.floor(t / bucketMs);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts.map((c, i) => [((i + 0.5) * bucketMs) / 1000, c / (bucketMs / 1000)]);
}
