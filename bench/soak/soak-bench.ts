// Soak: R ConfigMap writes/s (create, update, delete in turn; the object count stays flat) for D
// seconds while W watchers follow them, against a `peapod server` child process on loopback.
// Reports writes and errors, watch events delivered per watcher against those expected, the
// server's RSS at start, middle and end, and the write latency p99; the RSS curve goes to a PNG and
// the per-second samples to bench/out/soak-rss.csv.
// Usage: npx tsx bench/soak/soak-bench.ts [--quick] [--rate R] [--seconds D] [--watchers W]
import { join } from 'node:path';
import {
  anchors,
  createProgress,
  launchServer,
  lineChart,
  MB,
  OUT_DIR,
  parseBenchArgs,
  runBench,
  summarize,
  writeCsv,
  writePng,
  type Figure,
} from '../lib/index.ts';
import { runSoak } from './soak-run.ts';

const args = parseBenchArgs(['rate', 'seconds', 'watchers']);
const RATE = Number(args.values.rate ?? 100);
const SECONDS = Number(args.values.seconds ?? (args.quick ? 20 : 300));
const WATCHERS = Number(args.values.watchers ?? 4);
const BENCH = 'soak';
const progress = createProgress({ label: BENCH });

async function main(): Promise<Figure[]> {
  const server = await launchServer({ args: ['--disable', 'scheduler,controller-manager,agent'] });
  const f = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({ bench: BENCH, name, value, unit, ...extra });
  try {
    progress.phase(`${RATE} writes/s for ${SECONDS} s with ${WATCHERS} watchers`, RATE * SECONDS);
    const r = await runSoak({
      url: server.url,
      token: server.token,
      caPem: server.caPem,
      pid: server.pid,
      seconds: SECONDS,
      rate: RATE,
      watchers: WATCHERS,
      onProgress: (done) => progress.update(done),
    });
    progress.end(`${r.achievedRate.toFixed(0)} writes/s achieved`);
    for (const e of r.errorSamples) progress.note(`write error: ${e}`);
    const lat = summarize(r.latencies);
    const at = (q: number): number => (r.rss[Math.min(r.rss.length - 1, Math.floor(q * (r.rss.length - 1)))] ?? Number.NaN) / MB;
    const delivered = r.watchers.reduce((s, w) => s + w.delivered, 0);
    const figures: Figure[] = [
      f(`acknowledged writes (${RATE}/s for ${SECONDS} s)`, r.writes, 'writes'),
      f('write errors', r.writeErrors, 'writes'),
      f(`watch events delivered (${WATCHERS} watchers)`, delivered, 'events'),
      f(`watch events expected (${WATCHERS} × writes)`, r.expectedEvents * WATCHERS, 'events'),
      f(
        'watch events missed',
        r.watchers.reduce((s, w) => s + w.missing, 0),
        'events',
      ),
      f(
        'watch errors + reconnects',
        r.watchers.reduce((s, w) => s + w.errors + w.reconnects, 0),
        'count',
      ),
      f('server RSS at start', at(0), 'MB'),
      f('server RSS at middle', at(0.5), 'MB'),
      f('server RSS at end', at(1), 'MB'),
      f('write latency p50', lat.p50, 'ms', { detail: true }),
      f('write latency p99', lat.p99, 'ms', { anchor: anchors.GOAL_MUTATING_P99_MS }),
      f('writes/s achieved', r.achievedRate, 'writes/s', { detail: true }),
    ];
    writeCsv(
      join(OUT_DIR, 'soak-rss.csv'),
      ['second', 'rss_mb'],
      r.rss.map((b, i) => [i, Number((b / MB).toFixed(1))]),
    );
    writePng(
      join(OUT_DIR, `${BENCH}.png`),
      lineChart({
        title: `Server RSS during ${RATE} writes/s with ${WATCHERS} watchers`,
        xLabel: 'seconds',
        yLabel: 'MB',
        series: [{ name: 'RSS', points: r.rss.map((b, i) => [i, b / MB] as const) }],
      }),
    );
    return figures;
  } finally {
    await server.stop();
  }
}

await runBench(BENCH, main);
