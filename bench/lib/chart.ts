// Bar charts and line plots rendered to a Raster (then to PNG with writePng). Kept deliberately
// plain: white background, grid lines, a legend, optional dashed reference lines (anchors).
import { makeAxis, tickLabel, type Axis } from './axis.ts';
import { BLACK, GREY, LIGHT_GREY, Raster, textHeight, textWidth, WHITE, type Rgb } from './raster.ts';

export const PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [148, 103, 189],
  [140, 86, 75],
  [23, 190, 207],
];
const ANCHOR_COLOR: Rgb = [214, 39, 40];

export interface ReferenceLine {
  readonly value: number;
  readonly label: string;
}

interface Frame {
  readonly title: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  readonly log?: boolean;
  readonly references?: readonly ReferenceLine[];
}

export interface BarChartOptions extends Frame {
  readonly categories: readonly string[];
  readonly series: readonly { readonly name: string; readonly values: readonly number[] }[];
}

export interface LineChartOptions extends Frame {
  readonly xLabel: string;
  readonly series: readonly { readonly name: string; readonly points: readonly (readonly [number, number])[] }[];
}

const MARGIN = { left: 110, right: 30, top: 60, bottom: 90 };

interface Plot {
  readonly raster: Raster;
  readonly x0: number;
  readonly y0: number;
  readonly w: number;
  readonly h: number;
  readonly axis: Axis;
  y(v: number): number;
}

function frame(opts: Frame, values: readonly number[]): Plot {
  const width = opts.width ?? 1200;
  const height = opts.height ?? 560;
  const raster = new Raster(width, height);
  const axis = makeAxis(values, { log: opts.log, include: opts.references?.map((r) => r.value) });
  const plot: Plot = {
    raster,
    x0: MARGIN.left,
    y0: MARGIN.top,
    w: width - MARGIN.left - MARGIN.right,
    h: height - MARGIN.top - MARGIN.bottom,
    axis,
    y: (v) => MARGIN.top + plot.h * (1 - axis.fraction(v)),
  };
  raster.text(width / 2, 16, opts.title, { align: 'center', scale: 3 });
  for (const t of axis.ticks()) {
    const y = plot.y(t);
    raster.line(plot.x0, y, plot.x0 + plot.w, y, LIGHT_GREY);
    raster.text(plot.x0 - 10, y - textHeight() / 2, tickLabel(t), { align: 'right' });
  }
  raster.text(24, plot.y0 + plot.h / 2, opts.yLabel + (opts.log ? ' (log)' : ''), { vertical: true, align: 'center', color: GREY });
  return plot;
}

function finish(plot: Plot, opts: Frame, legend: readonly string[]): Raster {
  const { raster, x0, y0, w, h } = plot;
  raster.line(x0, y0, x0, y0 + h, BLACK);
  raster.line(x0, y0 + h, x0 + w, y0 + h, BLACK);
  for (const ref of opts.references ?? []) {
    const y = plot.y(ref.value);
    raster.line(x0, y, x0 + w, y, ANCHOR_COLOR, { thickness: 2, dash: [10, 6] });
    // Label above the line, or below it when the line is at the top of the plot.
    const labelY = y - y0 < textHeight() + 8 ? y + 6 : y - textHeight() - 4;
    raster.text(x0 + w - 6, labelY, ref.label, { align: 'right', color: ANCHOR_COLOR });
  }
  // Legend: top-left inside the plot, on a white box so grid lines do not run through it.
  const rowH = textHeight() + 8;
  const boxW = Math.max(0, ...legend.map((s) => textWidth(s))) + 40;
  if (legend.length > 0) {
    raster.fillRect(x0 + 8, y0 + 6, boxW, legend.length * rowH + 6, WHITE);
    legend.forEach((name, i) => {
      const y = y0 + 12 + i * rowH;
      raster.fillRect(x0 + 14, y, 16, textHeight(), PALETTE[i % PALETTE.length] ?? BLACK);
      raster.text(x0 + 36, y, name);
    });
  }
  return raster;
}

/** Splits a label into lines no wider than maxWidth pixels (breaking at spaces). */
function wrap(label: string, maxWidth: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of label.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next) > maxWidth) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** Grouped bars: one group per category, one bar per series in each group. */
export function barChart(opts: BarChartOptions): Raster {
  const values = opts.series.flatMap((s) => s.values);
  const plot = frame(opts, values);
  const { raster, x0, y0, w, h, axis } = plot;
  const groupW = w / Math.max(1, opts.categories.length);
  const barW = Math.max(2, (groupW * 0.75) / Math.max(1, opts.series.length));
  const base = axis.log ? y0 + h : plot.y(Math.max(axis.min, 0));
  opts.categories.forEach((cat, ci) => {
    const gx = x0 + ci * groupW + groupW * 0.125;
    opts.series.forEach((s, si) => {
      const v = s.values[ci];
      if (v === undefined || !Number.isFinite(v)) return;
      const top = plot.y(v);
      raster.fillRect(gx + si * barW, Math.min(top, base), barW - 2, Math.abs(base - top), PALETTE[si % PALETTE.length] ?? BLACK);
    });
    wrap(cat, groupW - 8).forEach((line, li) => {
      raster.text(x0 + ci * groupW + groupW / 2, y0 + h + 10 + li * (textHeight() + 6), line, { align: 'center' });
    });
  });
  return finish(
    plot,
    opts,
    opts.series.map((s) => s.name),
  );
}

/** Line plot of (x, y) points per series; x is linear. */
export function lineChart(opts: LineChartOptions): Raster {
  const plot = frame(
    opts,
    opts.series.flatMap((s) => s.points.map((p) => p[1])),
  );
  const { raster, x0, y0, w, h } = plot;
  const xAxis = makeAxis(
    opts.series.flatMap((s) => s.points.map((p) => p[0])),
    { zero: true },
  );
  const x = (v: number): number => x0 + w * xAxis.fraction(v);
  for (const t of xAxis.ticks()) {
    raster.line(x(t), y0, x(t), y0 + h, LIGHT_GREY);
    raster.text(x(t), y0 + h + 10, tickLabel(t), { align: 'center' });
  }
  raster.text(x0 + w / 2, y0 + h + 40, opts.xLabel, { align: 'center', color: GREY });
  opts.series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length] ?? BLACK;
    for (let i = 1; i < s.points.length; i++) {
      const a = s.points[i - 1];
      const b = s.points[i];
      if (a && b) raster.line(x(a[0]), plot.y(a[1]), x(b[0]), plot.y(b[1]), color, { thickness: 3 });
    }
  });
  return finish(
    plot,
    opts,
    opts.series.map((s) => s.name),
  );
}
