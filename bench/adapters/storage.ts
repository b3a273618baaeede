// Runs bench/storage/storage-bench.ts and reports its results through runBench (table, CSV, PNG,
// hand-over to bench/run.ts). That script prints its rows with console.table; this adapter captures
// those row objects. Once the storage benchmark calls runBench itself, delete this file and point
// its line in bench/run.ts at the script.
// Usage: tsx bench/adapters/storage.ts [--quick]
import { join } from 'node:path';
import { barChart } from '../lib/chart.ts';
import type { Figure } from '../lib/figures.ts';
import { writePng } from '../lib/png.ts';
import { OUT_DIR, parseBenchArgs, runBench } from '../lib/run-bench.ts';

const BENCH = 'storage';
const args = parseBenchArgs();

await runBench(BENCH, async () => {
  const rows: Record<string, unknown>[] = [];
  const original = console.table.bind(console);
  console.table = (data: unknown, columns?: readonly string[]) => {
    if (Array.isArray(data)) rows.push(...(data as Record<string, unknown>[]));
    original(data, columns);
  };
  // The script reads the number of writes from argv[2].
  process.argv = [process.argv[0] ?? 'node', 'storage-bench.ts', ...(args.quick ? ['500'] : [])];
  try {
    await import('../storage/storage-bench.ts');
  } finally {
    console.table = original;
  }
  if (rows.length === 0) throw new Error('storage-bench printed no rows');

  const figures: Figure[] = [];
  for (const row of rows) {
    const c = String(row.concurrency);
    const num = (k: string): number => Number(row[k]);
    figures.push({ bench: BENCH, name: `backend create, concurrency ${c}: writes/s`, value: num('writes/s'), unit: 'writes/s' });
    figures.push({ bench: BENCH, name: `backend create, concurrency ${c}: p50`, value: num('p50 ms'), unit: 'ms', detail: true });
    figures.push({ bench: BENCH, name: `backend create, concurrency ${c}: p99`, value: num('p99 ms'), unit: 'ms' });
  }
  writePng(
    join(OUT_DIR, `${BENCH}.png`),
    barChart({
      title: `SQLite backend creates (fsync per commit)${args.quick ? ', quick' : ''}`,
      yLabel: 'writes/s',
      categories: rows.map((r) => `concurrency ${String(r.concurrency)}`),
      series: [{ name: 'writes/s', values: rows.map((r) => Number(r['writes/s'])) }],
    }),
  );
  return figures;
});
