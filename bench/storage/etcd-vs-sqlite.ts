// etcd next to SQLite in one table: the API benchmark (bench/api) and the scheduler throughput on
// hollow nodes (bench/scale/scheduler-throughput), each run on both backends (`--backend
// sqlite,etcd`) in its own child process, then their headline figures side by side with the
// machine's load average at start and end (the figures mean little without it on a shared box).
// Usage: npm run bench -- etcd-vs-sqlite   or   npx tsx bench/storage/etcd-vs-sqlite.ts
//        [--quick] [--nodes 1000] [--pods 3000] [--parts scale-scheduler,api]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { writeCsv } from '../lib/csv.ts';
import { formatNumber, type Figure } from '../lib/figures.ts';
import { FIGURES_ENV, OUT_DIR, parseBenchArgs, runBench } from '../lib/run-bench.ts';
import { REPO_ROOT } from '../lib/server-process.ts';
import { renderTable } from '../lib/table.ts';
import { makeTempDir } from '../lib/temp-dir.ts';

const BENCH = 'etcd-vs-sqlite';
const BACKENDS = ['sqlite', 'etcd'] as const;
const args = parseBenchArgs(['nodes', 'pods', 'parts']);
const nodes = String(args.values.nodes ?? (args.quick ? 20 : 1000));
const pods = String(args.values.pods ?? (args.quick ? 200 : 3000));
const dir = makeTempDir('peapod-bench-etcd-vs-sqlite');

const ALL_PARTS = [
  { name: 'scale-scheduler', script: 'bench/scale/scheduler-throughput.ts', extra: ['--nodes', nodes, '--pods', pods] },
  { name: 'api', script: 'bench/api/api-bench.ts', extra: [] as string[] },
];
const wanted = typeof args.values.parts === 'string' ? args.values.parts.split(',') : ALL_PARTS.map((p) => p.name);
const unknownParts = wanted.filter((w) => !ALL_PARTS.some((p) => p.name === w));
if (unknownParts.length) throw new Error(`--parts: unknown ${unknownParts.join(', ')} (${ALL_PARTS.map((p) => p.name).join(', ')})`);
const PARTS = ALL_PARTS.filter((p) => wanted.includes(p.name));

/** Runs one benchmark on both backends in a child; its figures, etcd's suffixed ` [etcd]`. */
function runPart(part: (typeof ALL_PARTS)[number]): Promise<Figure[]> {
  const handover = join(dir, `${part.name}.json`);
  const argv = ['--import', 'tsx', join(REPO_ROOT, part.script), '--backend', BACKENDS.join(','), ...part.extra, ...(args.quick ? ['--quick'] : [])];
  process.stderr.write(`\n=== ${part.name}: ${part.script} ${argv.slice(3).join(' ')}\n`);
  const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, env: { ...process.env, [FIGURES_ENV]: handover }, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      if (code !== 0 || !existsSync(handover)) return reject(new Error(`${part.name} exited with ${signal ?? `code ${code}`}`));
      resolve(JSON.parse(readFileSync(handover, 'utf8')) as Figure[]);
    });
  });
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

await runBench(BENCH, async () => {
  const loadBefore = load();
  const figures: Figure[] = [];
  const rows: string[][] = [];
  for (const part of PARTS) {
    const got = await runPart(part);
    figures.push(...got.map((f) => ({ ...f, bench: `${BENCH}/${part.name}` })));
    for (const f of got) {
      if (f.detail || f.name.endsWith(' [etcd]')) continue;
      const etcd = got.find((g) => g.name === `${f.name} [etcd]`);
      const ratio = etcd && f.value !== 0 ? etcd.value / f.value : Number.NaN;
      rows.push([
        part.name,
        f.name,
        f.unit,
        formatNumber(f.value),
        formatNumber(etcd?.value ?? Number.NaN),
        Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '-',
      ]);
    }
  }
  const loadAfter = load();
  const header = ['bench', 'figure', 'unit', 'sqlite', 'etcd', 'etcd/sqlite'];
  process.stdout.write(
    `\netcd (1 member on loopback) next to SQLite — ${cpus().length} CPUs; load average 1/5/15 min at start ${loadBefore}, at end ${loadAfter}\n`,
  );
  process.stdout.write(`${renderTable(header, rows)}\n`);
  writeCsv(
    join(OUT_DIR, `${BENCH}-table.csv`),
    [...header, 'load_start', 'load_end'],
    rows.map((r) => [...r, loadBefore, loadAfter]),
  );
  const [l1] = loadavg();
  figures.push({ bench: BENCH, name: 'load average (1 min) at end', value: l1 ?? 0, unit: '', detail: true });
  return figures;
});
