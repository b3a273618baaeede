// CSV (RFC 4180 quoting) for figures and for any other rows a benchmark wants to keep.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { meets, ratio, type Figure } from './figures.ts';

type Cell = string | number | boolean | undefined;

function quote(cell: Cell): string {
  const s = cell === undefined || (typeof cell === 'number' && !Number.isFinite(cell)) ? '' : String(cell);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function writeCsv(path: string, header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const lines = [header, ...rows].map((r) => r.map(quote).join(','));
  writeFileSync(path, lines.join('\n') + '\n');
}

export const FIGURE_CSV_HEADER = [
  'bench',
  'figure',
  'value',
  'unit',
  'anchor_bound',
  'anchor_value',
  'ratio',
  'within_anchor',
  'anchor_label',
  'anchor_source',
];

export function figureRow(f: Figure): Cell[] {
  const a = f.anchor;
  return [f.bench, f.name, f.value, f.unit, a?.bound, a?.value, ratio(f), meets(f), a?.label, a?.source];
}

export function writeFigureCsv(path: string, figures: readonly Figure[]): void {
  writeCsv(path, FIGURE_CSV_HEADER, figures.map(figureRow));
}
