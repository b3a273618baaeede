// `npm run bench [-- --quick] [names...]`: runs every benchmark, each in its own process (so one
// crash or leak does not skew the next), then prints one table of all their figures with anchors.
// A benchmark is a script that calls runBench (bench/lib/run-bench.ts); add it with one line below.
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isShuttingDown, onCleanup } from './lib/cleanup.ts';
import { writeFigureCsv } from './lib/csv.ts';
import type { Figure } from './lib/figures.ts';
import { serverBuild } from './lib/build.ts';
import { FIGURES_ENV, loadAverage, OUT_DIR } from './lib/run-bench.ts';
import { REPO_ROOT } from './lib/server-process.ts';
import { renderFigureTable, renderTable } from './lib/table.ts';
import { makeTempDir } from './lib/temp-dir.ts';

interface Benchmark {
  readonly name: string;
  /** Path from the repository root; receives `--quick` in quick mode. */
  readonly script: string;
  /** Run only when named (it repeats other benchmarks, e.g. on another backend). */
  readonly optIn?: boolean;
}

const BENCHMARKS: readonly Benchmark[] = [
  { name: 'storage', script: 'bench/adapters/storage.ts' },
  { name: 'api', script: 'bench/api/api-bench.ts' },
  { name: 'deployment', script: 'bench/controllers/deployment-bench.ts' },
  { name: 'pod-startup', script: 'bench/agent/pod-startup-bench.ts' },
  { name: 'probes', script: 'bench/probes/probe-bench.ts' },
  { name: 'scheduler', script: 'bench/scheduler/scheduler-bench.ts' },
  { name: 'scale-scheduler', script: 'bench/scale/scheduler-throughput.ts' },
  { name: 'scale-api-churn', script: 'bench/scale/api-churn.ts' },
  { name: 'scale-watch-fanout', script: 'bench/scale/watch-fanout.ts' },
  { name: 'scale-footprint', script: 'bench/scale/footprint.ts' },
  { name: 'scale-ladder', script: 'bench/scale/ladder.ts' },
  { name: 'node-failure', script: 'bench/node-failure/node-failure-bench.ts' },
  { name: 'crd', script: 'bench/crd/crd-bench.ts' },
  { name: 'volumes', script: 'bench/volumes/volume-bench.ts' },
  { name: 'service-proxy', script: 'bench/services/services-bench.ts' },
  { name: 'image-pull', script: 'bench/images/pull-bench.ts' },
  { name: 'endpointslice', script: 'bench/services/endpointslice-bench.ts' },
  { name: 'metrics-scrape', script: 'bench/metrics/metrics-scrape-bench.ts' },
  { name: 'soak', script: 'bench/soak/soak-bench.ts' },
  { name: 'etcd-vs-sqlite', script: 'bench/storage/etcd-vs-sqlite.ts', optIn: true },
  { name: 'dashboard', script: 'bench/dashboard/dashboard-bench.ts' },
];

const { values, positionals } = parseArgs({ options: { quick: { type: 'boolean', default: false } }, allowPositionals: true });
const quick = values.quick === true;
const unknown = positionals.filter((p) => !BENCHMARKS.some((b) => b.name === p));
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}\n`);
  process.exit(2);
}
const selected = positionals.length ? BENCHMARKS.filter((b) => positionals.includes(b.name)) : BENCHMARKS.filter((b) => !b.optIn);
const handoverDir = makeTempDir('peapod-bench-run');

interface Outcome {
  readonly bench: Benchmark;
  readonly figures: Figure[];
  readonly seconds: number;
  readonly failure?: string;
}

function runOne(bench: Benchmark, index: number): Promise<Outcome> {
  const handover = join(handoverDir, `${bench.name}.json`);
  const started = Date.now();
  process.stderr.write(`\n=== [${index + 1}/${selected.length}] ${bench.name} (${bench.script}${quick ? ' --quick' : ''})\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, bench.script), ...(quick ? ['--quick'] : [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, [FIGURES_ENV]: handover },
    stdio: 'inherit',
  });
  // On Ctrl-C the child (same process group) gets SIGINT too and cleans up itself; if it is still
  // running 3 s into our cleanup (we alone were signalled), it gets SIGTERM.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const forget = onCleanup(
    async () => {
      const timer = setTimeout(() => child.kill('SIGTERM'), 3000);
      await exited;
      clearTimeout(timer);
    },
    () => child.kill('SIGTERM'),
  );
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      void forget();
      const seconds = (Date.now() - started) / 1000;
      const figures = existsSync(handover) ? (JSON.parse(readFileSync(handover, 'utf8')) as Figure[]) : [];
      const failure = code !== 0 ? `exited with ${signal ?? `code ${code}`}` : figures.length === 0 ? 'reported no figures' : undefined;
      resolve({ bench, figures, seconds, failure });
    });
  });
}

const outcomes: Outcome[] = [];
for (const [i, bench] of selected.entries()) {
  if (isShuttingDown()) break;
  outcomes.push(await runOne(bench, i));
}

const all = outcomes.flatMap((o) => o.figures);
writeFigureCsv(join(OUT_DIR, 'summary.csv'), all);
process.stdout.write(`\n${'='.repeat(30)} Peapod benchmarks${quick ? ' (quick)' : ''} ${'='.repeat(30)}\n`);
process.stdout.write(`server build: ${serverBuild()}; load average at the end: ${loadAverage()}\n`);
process.stdout.write(
  renderTable(
    ['bench', 'result', 'seconds', 'outputs'],
    outcomes.map((o) => [o.bench.name, o.failure ? `FAILED: ${o.failure}` : 'ok', o.seconds.toFixed(1), `bench/out/${o.bench.name}.csv, .png`]),
  ) + '\n\n',
);
process.stdout.write(renderFigureTable(all, { showBench: true }) + '\n');
process.stdout.write(`\nAll figures (with p50/p90/max details): bench/out/summary.csv\n`);
if (isShuttingDown()) process.stdout.write('Interrupted: later benchmarks were not run.\n');
if (outcomes.some((o) => o.failure)) process.exitCode = 1;
