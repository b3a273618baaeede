// Shared pieces of the benchmarks: statistics, figures and anchors, tables, CSV, PNG charts, an
// HTTPS client, a server launcher, /proc stats, progress output and cleanup.
export { summarize, percentile, type Summary } from './stats.ts';
export { formatNumber, formatRatio, meets, ratio, type Anchor, type Figure } from './figures.ts';
export * as anchors from './anchors.ts';
export { renderFigureTable, renderTable } from './table.ts';
export { writeCsv, writeFigureCsv } from './csv.ts';
export { barChart, lineChart, type BarChartOptions, type LineChartOptions, type ReferenceLine } from './chart.ts';
export { Raster, stackVertically } from './raster.ts';
export { encodePng, writePng } from './png.ts';
export { ApiClient, HttpError, type ClientOptions, type Response } from './https-client.ts';
export { launchServer, REPO_ROOT, type LaunchOptions, type ServerProcess } from './server-process.ts';
export { readProcStats, MB, type ProcStats } from './proc-stats.ts';
export { createProgress, type Progress } from './progress.ts';
export { cleanupAll, onCleanup } from './cleanup.ts';
export { makeTempDir } from './temp-dir.ts';
export { FIGURES_ENV, loadAverage, OUT_DIR, parseBenchArgs, runBench, type BenchArgs } from './run-bench.ts';
export { serverBuild } from './build.ts';
export { timedLoop, type LoopResult } from './timed-loop.ts';
export { startRealNode, type RealNode } from './real-node.ts';
export { backendServerArgs, parseBackends, runOnBackends, type BackendName } from './backends.ts';
