// A figure is one measured number; an anchor is the published bound or goal it is read against.
// Ratio = value / anchor: below 1 is better for a 'max' anchor (latency, memory), above 1 is better
// for a 'min' anchor (throughput). Benchmarks never assert on these: they report.

export interface Anchor {
  /** 'max': the figure should stay at or below `value`; 'min': at or above it. */
  readonly bound: 'max' | 'min';
  /** In the figure's unit. */
  readonly value: number;
  /** Short description shown in tables, e.g. "Kubernetes SLO: mutating API call p99". */
  readonly label: string;
  /** Where the anchor comes from (URL or issue). */
  readonly source: string;
}

export interface Figure {
  readonly bench: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly anchor?: Anchor;
  /** CSV only: left out of printed tables (e.g. p50/p90 beside a p99 that is shown). */
  readonly detail?: boolean;
}

export function ratio(f: Figure): number | undefined {
  return f.anchor && f.anchor.value !== 0 ? f.value / f.anchor.value : undefined;
}

export function meets(f: Figure): boolean | undefined {
  if (!f.anchor || !Number.isFinite(f.value)) return undefined;
  return f.anchor.bound === 'max' ? f.value <= f.anchor.value : f.value >= f.anchor.value;
}

/** 4.12, 41.2, 412, 4,120; NaN → "n/a". */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.01 || a === 0) return v.toFixed(2);
  return v.toPrecision(2);
}

export function formatRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '';
  return `${r >= 100 ? Math.round(r) : Number(r.toPrecision(2))}×`;
}
