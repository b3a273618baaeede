// Custom resources next to ConfigMaps, through a real `peapod server`: create p50/p99 (sequential
// and concurrent) and the time to LIST all N objects, for a CronTab-like CR with a structural
// schema (validation, pruning, defaulting, a CEL rule) and for ConfigMaps of the same size.
// Usage: tsx bench/crd/crd-bench.ts [--quick]
import { join } from 'node:path';
import { barChart } from '../lib/chart.ts';
import type { Figure } from '../lib/figures.ts';
import { formatNumber } from '../lib/figures.ts';
import { ApiClient } from '../lib/https-client.ts';
import { writePng } from '../lib/png.ts';
import { createProgress } from '../lib/progress.ts';
import { OUT_DIR, parseBenchArgs, runBench } from '../lib/run-bench.ts';
import { launchServer } from '../lib/server-process.ts';
import { summarize } from '../lib/stats.ts';
import { renderTable } from '../lib/table.ts';
import { timedLoop } from '../lib/timed-loop.ts';

const SIZES = { full: { objects: 10_000, lists: 10, concurrency: 16 }, quick: { objects: 2000, lists: 3, concurrency: 16 } };
const BENCH = 'crd';
const NS = 'bench-crd';
const args = parseBenchArgs();
const size = args.quick ? SIZES.quick : SIZES.full;
const progress = createProgress({ label: BENCH });

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.bench.example.com' },
  spec: {
    group: 'bench.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' }],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['cronSpec'],
                'x-kubernetes-validations': [{ rule: 'self.replicas <= 10', message: 'too many' }],
                properties: {
                  cronSpec: { type: 'string', pattern: '^[0-9*/ ]+$' },
                  image: { type: 'string', maxLength: 253 },
                  replicas: { type: 'integer', minimum: 0, default: 1 },
                },
              },
              status: { type: 'object', properties: { replicas: { type: 'integer' } } },
            },
          },
        },
      },
    ],
  },
};

const crPath = `/apis/bench.example.com/v1/namespaces/${NS}/crontabs`;
const cmPath = `/api/v1/namespaces/${NS}/configmaps`;
const cr = (name: string) => ({
  apiVersion: 'bench.example.com/v1',
  kind: 'CronTab',
  metadata: { name },
  spec: { cronSpec: '*/5 * * * *', image: 'registry.example/cron:1.0' },
});
const cm = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { cronSpec: '*/5 * * * *', image: 'registry.example/cron:1.0', replicas: '1' },
});

interface Row {
  kind: string;
  op: string;
  latencies: number[];
  seconds: number;
}

await runBench(BENCH, async () => {
  progress.phase('starting peapod server');
  const server = await launchServer({ args: ['--disable', 'scheduler,controller-manager,agent'] });
  progress.end(server.url);
  const client = new ApiClient({ url: server.url, token: server.token, caPem: server.caPem, maxSockets: 64 });
  await client.ok('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } });
  await client.ok('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: CRD });
  progress.phase('waiting for the CRD to be served');
  for (let i = 0; i < 100 && (await client.request('GET', crPath)).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
  progress.end();

  const rows: Row[] = [];
  const kinds = [
    { kind: 'CronTab (CR)', path: crPath, body: cr },
    { kind: 'ConfigMap', path: cmPath, body: cm },
  ];
  for (const k of kinds) {
    const seq = Math.min(1000, size.objects / 2);
    progress.phase(`${k.kind}: create (sequential)`, seq);
    let r = await timedLoop(seq, { progress }, async (i) => void (await client.ok('POST', k.path, { body: k.body(`o-${i}`) })));
    progress.end();
    rows.push({ kind: k.kind, op: 'create (sequential)', latencies: r.latencies, seconds: r.seconds });
    progress.phase(`${k.kind}: create (concurrency ${size.concurrency})`, size.objects - seq);
    r = await timedLoop(
      size.objects - seq,
      { concurrency: size.concurrency, progress },
      async (i) => void (await client.ok('POST', k.path, { body: k.body(`o-${seq + i}`) })),
    );
    progress.end();
    rows.push({ kind: k.kind, op: `create (concurrency ${size.concurrency})`, latencies: r.latencies, seconds: r.seconds });
    progress.phase(`${k.kind}: list ${size.objects}`, size.lists);
    r = await timedLoop(size.lists, { progress }, async () => {
      const items = (JSON.parse((await client.ok('GET', k.path)).body) as { items: unknown[] }).items.length;
      if (items !== size.objects) throw new Error(`list returned ${items}, expected ${size.objects}`);
    });
    progress.end();
    rows.push({ kind: k.kind, op: `list ${size.objects}`, latencies: r.latencies, seconds: r.seconds });
  }
  client.close();
  await server.stop();

  process.stdout.write(
    `\ncrd: custom resources next to ConfigMaps (client-observed, HTTPS keep-alive)\n${renderTable(
      ['kind', 'operation', 'requests', 'p50 ms', 'p99 ms', 'req/s'],
      rows.map((r) => {
        const s = summarize(r.latencies);
        return [r.kind, r.op, String(r.latencies.length), formatNumber(s.p50), formatNumber(s.p99), formatNumber(r.latencies.length / r.seconds)];
      }),
    )}\n`,
  );
  const ops = [...new Set(rows.map((r) => r.op))];
  writePng(
    join(OUT_DIR, `${BENCH}.png`),
    barChart({
      title: `Custom resources vs ConfigMaps, p99${args.quick ? ' (quick)' : ''}`,
      yLabel: 'ms',
      categories: ops,
      series: kinds.map((k) => ({ name: k.kind, values: ops.map((op) => summarize(rows.find((r) => r.kind === k.kind && r.op === op)!.latencies).p99) })),
    }),
  );
  const figures: Figure[] = [];
  for (const r of rows) {
    const s = summarize(r.latencies);
    figures.push({ bench: BENCH, name: `${r.kind} ${r.op} p50`, value: s.p50, unit: 'ms', detail: true });
    figures.push({ bench: BENCH, name: `${r.kind} ${r.op} p99`, value: s.p99, unit: 'ms' });
  }
  return figures;
});
