// Plain-text tables with aligned columns, and the figure table every benchmark prints: each figure
// next to its anchor and the ratio, with anchor sources listed as footnotes.
import { formatNumber, formatRatio, meets, ratio, type Figure } from './figures.ts';

/** Renders rows as aligned columns; numeric-looking cells are right-aligned. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+\d.,]*[×%]?$|^n\/a$/.test(r[i] ?? '')));
  const cell = (s: string, i: number): string => {
    const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...s].length));
    return numeric[i] ? pad + s : s + pad;
  };
  const line = (r: readonly string[]): string =>
    header
      .map((_, i) => cell(r[i] ?? '', i))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The figure table: figure, value, anchor (with footnote number), ratio, within/over. */
export function renderFigureTable(figures: readonly Figure[], opts: { showBench?: boolean } = {}): string {
  const sources: string[] = [];
  const footnote = (source: string): number => {
    const i = sources.indexOf(source);
    if (i >= 0) return i + 1;
    sources.push(source);
    return sources.length;
  };
  const rows = figures
    .filter((f) => !f.detail)
    .map((f) => {
      const a = f.anchor;
      const ok = meets(f);
      const row = [
        f.name,
        formatNumber(f.value),
        f.unit,
        a ? `${a.bound === 'max' ? '≤' : '≥'} ${formatNumber(a.value)} ${f.unit}` : '',
        formatRatio(ratio(f)),
        ok === undefined ? '' : ok ? 'meets' : 'MISSES',
        a ? `${a.label} [${footnote(a.source)}]` : '',
      ];
      return opts.showBench ? [f.bench, ...row] : row;
    });
  const header = ['figure', 'value', 'unit', 'anchor', 'ratio', 'status', 'anchor source'];
  const table = renderTable(opts.showBench ? ['bench', ...header] : header, rows);
  const notes = sources.map((s, i) => `[${i + 1}] ${s}`);
  return notes.length ? `${table}\n\n${notes.join('\n')}` : table;
}
