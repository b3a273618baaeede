// Value → pixel mapping for chart axes, linear or logarithmic, with readable tick values.

export interface Axis {
  readonly min: number;
  readonly max: number;
  readonly log: boolean;
  /** 0 at min, 1 at max. */
  fraction(value: number): number;
  ticks(): number[];
}

/** An axis covering `values` (and any `include` values such as anchors). */
export function makeAxis(values: readonly number[], opts: { log?: boolean; include?: readonly number[]; zero?: boolean } = {}): Axis {
  const all = [...values, ...(opts.include ?? [])].filter((v) => Number.isFinite(v) && (!opts.log || v > 0));
  if (opts.log) {
    const lo = Math.floor(Math.log10(Math.min(...all, 1)));
    const hi = Math.ceil(Math.log10(Math.max(...all, 1)));
    const min = 10 ** lo;
    const max = 10 ** (hi === lo ? lo + 1 : hi);
    return {
      min,
      max,
      log: true,
      fraction: (v) => (Math.log10(Math.max(v, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min)),
      ticks: () => {
        const out: number[] = [];
        for (let e = lo; 10 ** e <= max; e++) out.push(10 ** e);
        return out;
      },
    };
  }
  const lo = opts.zero === false ? Math.min(...all) : Math.min(0, ...all);
  const hiRaw = Math.max(...all, lo + 1e-9);
  const step = niceStep((hiRaw - lo) / 5);
  const min = Math.floor(lo / step) * step;
  const max = Math.ceil(hiRaw / step) * step || step;
  return {
    min,
    max,
    log: false,
    fraction: (v) => (v - min) / (max - min),
    ticks: () => {
      const out: number[] = [];
      for (let v = min; v <= max + step / 2; v += step) out.push(Number(v.toPrecision(12)));
      return out;
    },
  };
}

function niceStep(rough: number): number {
  if (!(rough > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const f = rough / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** Short tick label: 0.001, 0.5, 12, 1500, 20k, 1.5M. */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}
