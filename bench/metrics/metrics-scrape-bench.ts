// Metrics scrape cost per node at 110 pods (kubelet's max pods): the API server's scraper fetching
// /stats/summary (what metrics.k8s.io uses) and Prometheus' /metrics/resource from one node's
// endpoint over one keep-alive connection (as the scraper), sequentially, N times each, for two sources — the hollow runtime's simulated usage
// and the cgroup reader over a v1 cgroup tree (2 cgroups per pod: pod + container, three files
// each). The endpoint runs in a child process: its CPU per scrape is read from /proc.
// Reports per source and endpoint: latency p50/p99 and node CPU ms per scrape.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { onCleanup } from '../lib/cleanup.ts';
import { barChart } from '../lib/chart.ts';
import type { Anchor, Figure } from '../lib/figures.ts';
import { writePng } from '../lib/png.ts';
import { readProcStats } from '../lib/proc-stats.ts';
import { OUT_DIR, parseBenchArgs, runBench } from '../lib/run-bench.ts';
import { REPO_ROOT } from '../lib/server-process.ts';
import { summarize } from '../lib/stats.ts';

const PODS = 110;
const args = parseBenchArgs();
const SCRAPES = args.quick ? 40 : 300;

/** metrics-server's published cost: 1 millicore per node at its 15 s resolution = 15 ms CPU per scrape. */
const METRICS_SERVER_CPU: Anchor = {
  bound: 'max',
  value: 15,
  label: 'metrics-server: 1m CPU/node @15 s',
  source: 'https://github.com/kubernetes-sigs/metrics-server#scaling',
};
/** metrics-server's default --kubelet-request-timeout (10 s); a scrape must also fit its 15 s resolution. */
const SCRAPE_TIMEOUT: Anchor = {
  bound: 'max',
  value: 10_000,
  label: 'metrics-server kubelet request timeout',
  source: 'https://github.com/kubernetes-sigs/metrics-server/blob/master/docs/command-line-flags.txt',
};

async function startNode(mode: string): Promise<{ port: number; pid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench/metrics/stats-node.ts'), mode, String(PODS)], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  onCleanup(
    async () => {
      child.stdin.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      child.kill('SIGTERM');
    },
    () => child.kill('SIGTERM'),
  );
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return { ...(JSON.parse(line) as { port: number }), pid: child.pid! };
}

// Keep-alive, as the API server's scraper (one TLS connection per node, reused between scrapes).
const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
onCleanup(() => keepAlive.destroy());

function scrape(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { authorization: 'Bearer bench' }, rejectUnauthorized: false, agent: keepAlive }, (res) => {
      let size = 0;
      res.on('data', (c: Buffer) => (size += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(size) : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

await runBench('metrics-scrape', async () => {
  const figures: Figure[] = [];
  const chart: { name: string; p50: number; p99: number; cpu: number }[] = [];
  for (const mode of ['hollow', 'cgroup']) {
    const node = await startNode(mode);
    for (const path of ['/stats/summary', '/metrics/resource']) {
      for (let i = 0; i < 5; i++) await scrape(node.port, path); // warm-up (JIT, TLS)
      const lat: number[] = [];
      let bytes = 0;
      const cpu0 = readProcStats(node.pid).cpuSeconds;
      for (let i = 0; i < SCRAPES; i++) {
        const t0 = performance.now();
        bytes = await scrape(node.port, path);
        lat.push(performance.now() - t0);
      }
      const cpuMs = ((readProcStats(node.pid).cpuSeconds - cpu0) * 1000) / SCRAPES;
      const s = summarize(lat);
      const label = `${mode} ${path}`;
      process.stderr.write(`metrics-scrape: ${label}: p50 ${s.p50.toFixed(2)} ms, ${cpuMs.toFixed(2)} ms CPU, ${bytes} bytes\n`);
      figures.push(
        { bench: 'metrics-scrape', name: `${label} latency p50 (${PODS} pods)`, value: s.p50, unit: 'ms' },
        { bench: 'metrics-scrape', name: `${label} latency p99 (${PODS} pods)`, value: s.p99, unit: 'ms', anchor: SCRAPE_TIMEOUT },
        { bench: 'metrics-scrape', name: `${label} node CPU per scrape`, value: cpuMs, unit: 'ms', anchor: METRICS_SERVER_CPU },
        { bench: 'metrics-scrape', name: `${label} response size`, value: bytes / 1024, unit: 'KiB', detail: true },
      );
      chart.push({ name: label, p50: s.p50, p99: s.p99, cpu: cpuMs });
    }
  }
  writePng(
    join(OUT_DIR, 'metrics-scrape.png'),
    barChart({
      title: `Metrics scrape of one node, ${PODS} pods (${SCRAPES} scrapes each)`,
      yLabel: 'ms',
      categories: chart.map((c) => c.name),
      series: [
        { name: 'latency p50', values: chart.map((c) => c.p50) },
        { name: 'latency p99', values: chart.map((c) => c.p99) },
        { name: 'node CPU per scrape', values: chart.map((c) => c.cpu) },
      ],
    }),
  );
  return figures;
});
