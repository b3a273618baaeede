// What every benchmark does at the end, and how bench/run.ts collects it: print the figure table,
// write bench/out/<name>.csv, and, when run by bench/run.ts, hand the figures over as JSON in the
// file named by PEAPOD_BENCH_FIGURES.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanupAll } from './cleanup.ts';
import { writeFigureCsv } from './csv.ts';
import type { Figure } from './figures.ts';
import { serverBuild } from './build.ts';
import { REPO_ROOT } from './server-process.ts';
import { renderFigureTable } from './table.ts';

export const OUT_DIR = join(REPO_ROOT, 'bench', 'out');
export const FIGURES_ENV = 'PEAPOD_BENCH_FIGURES';

export interface BenchArgs {
  /** Small sizes for a CI smoke run (about a minute). */
  readonly quick: boolean;
  readonly values: Record<string, string | boolean | undefined>;
}

/** Parses `--quick` plus any benchmark-specific string options (`--name value`). */
export function parseBenchArgs(options: readonly string[] = []): BenchArgs {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      ...Object.fromEntries(options.map((o) => [o, { type: 'string' as const }])),
    },
    allowPositionals: false,
  });
  return { quick: values.quick === true, values };
}

/**
 * Runs `main`, then reports its figures; always cleans up what it started. Exit code 1 when `main`
 * throws (after cleanup), so the runner can tell a broken benchmark from a slow one.
 */
/** The 1/5/15-minute load averages: on a shared machine, the context every figure needs. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export async function runBench(name: string, main: () => Promise<Figure[]>): Promise<void> {
  try {
    const build = serverBuild();
    // Every process this run starts uses the build it started with, even if src/ changes meanwhile.
    if (build === 'compiled dist/') process.env.PEAPOD_FROM_DIST = '1';
    const figures = await main();
    await cleanupAll();
    process.stdout.write(`\n${name} (server build: ${build}; load ${loadAverage()})\n${renderFigureTable(figures)}\n`);
    writeFigureCsv(join(OUT_DIR, `${name}.csv`), figures);
    const handover = process.env[FIGURES_ENV];
    if (handover) writeFileSync(handover, JSON.stringify(figures));
  } catch (e) {
    process.stderr.write(`\n${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    await cleanupAll();
    process.exitCode = 1;
  }
}
