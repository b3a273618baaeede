// Dashboard benchmark (issue #17): with 5,000 pods Running on 50 hollow nodes, how long headless
// Chromium takes from opening /ui/#token=… to the overview counting every pod (first paint with
// data), to switching to the pods table with all rows listed, and how long a pod created through
// the API takes to appear as a row in an open pods page (watch → render). `--quick`: 300 pods on 5 nodes.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Page } from 'playwright-core';
import { createProgress, parseBenchArgs, runBench, summarize, type Anchor, type Figure } from '../lib/index.ts';
import { pool, startCluster } from '../scale/cluster.ts';
import { resources } from '../../src/client/index.ts';
import { gotoRetrying, launchChromium } from '../../test/browser.ts';

const BENCH = 'dashboard';
const args = parseBenchArgs(['pods', 'nodes']);
const PODS = Number(args.values.pods ?? (args.quick ? 300 : 5000));
const NODES = Number(args.values.nodes ?? (args.quick ? 5 : 50));
const PAINTS = args.quick ? 3 : 7;
const UPDATES = args.quick ? 5 : 20;
const progress = createProgress({ label: BENCH });

const ISSUE_17 = 'Peapod issue #17 (dashboard)';
const FIRST_PAINT: Anchor = { bound: 'max', value: 1000, label: 'Peapod goal: first paint', source: ISSUE_17 };
const UPDATE_LATENCY: Anchor = { bound: 'max', value: 1000, label: 'Peapod goal: watch update visible', source: ISSUE_17 };

const pod = (name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });

/** Resolves (in the page) with Date.now() when a pods-table row with data-key `key` exists. */
function rowAppears(page: Page, key: string): Promise<number> {
  return page.evaluate(
    (k) =>
      new Promise<number>((resolve) => {
        const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown; body: unknown } }).document;
        const sel = `[data-testid="pods"] [data-key="${k}"]`;
        if (doc.querySelector(sel)) return resolve(Date.now());
        const Observer = (globalThis as unknown as { MutationObserver: new (cb: () => void) => { observe(n: unknown, o: object): void; disconnect(): void } })
          .MutationObserver;
        const mo = new Observer(() => {
          if (doc.querySelector(sel)) {
            mo.disconnect();
            resolve(Date.now());
          }
        });
        mo.observe(doc.body, { childList: true, subtree: true });
      }),
    key,
  );
}

async function main(): Promise<Figure[]> {
  const f = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({ bench: BENCH, name, value, unit, ...extra });
  const cluster = await startCluster({ nodes: NODES, progress, spreadSeconds: 2 });
  const { client, server } = cluster;
  progress.phase(`create ${PODS} pods`, PODS);
  let created = 0;
  await pool(PODS, 32, async (i) => {
    await client.create(resources.pods, 'default', pod(`load-${String(i).padStart(5, '0')}`));
    progress.update(++created);
  });
  progress.end(`${PODS} pods created`);
  // Running matters little to the page (it lists pods in any phase), and on a loaded machine
  // hollow nodes can miss leases and have pods evicted: wait a bounded time, report how many ran.
  progress.phase('wait for Running', PODS);
  let running = 0;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    running = (await client.list<Pod>(resources.pods, 'default', { fieldSelector: 'status.phase=Running', limit: 100_000 })).items.length;
    progress.update(running);
    if (running >= PODS) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  progress.end(`${running} of ${PODS} pods Running`);

  const chromium = await launchChromium();
  const shells: number[] = [];
  const paints: number[] = [];
  const fcps: number[] = [];
  const tables: number[] = [];
  const latencies: number[] = [];
  try {
    progress.phase('first paint', PAINTS);
    let failedLoads = 0;
    for (let i = 0; i < PAINTS; i++) {
      const context = await chromium.context();
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      const t0 = Date.now();
      await gotoRetrying(page, `${server.url}/ui/#token=${encodeURIComponent(server.token)}`);
      try {
        await page.locator('nav.side').waitFor({ timeout: 20_000 });
      } catch {
        // A load Chromium broke off (its network-change aborts hit module fetches too): count it, try again.
        process.stderr.write(`dashboard: no frame after 20 s (${errors.slice(0, 3).join(' | ') || 'no console errors'})\n`);
        failedLoads++;
        await context.close();
        if (failedLoads > PAINTS) throw new Error('the dashboard failed to load too often');
        i--;
        continue;
      }
      shells.push(Date.now() - t0);
      // The overview has listed every pod (it counts them by phase under this heading).
      await page.getByRole('heading', { name: `Pods (${PODS})` }).waitFor({ timeout: 60_000 });
      paints.push(Date.now() - t0);
      fcps.push((await page.evaluate(`performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN`)) as number);
      const t1 = Date.now();
      await page.evaluate(`location.hash = '#/pods'`);
      await page.getByTestId('pod-count').getByText(`${PODS} of ${PODS} pods`).waitFor({ timeout: 60_000 });
      await page.locator('[data-testid="pods"] [data-key="default/load-00000"]').waitFor();
      tables.push(Date.now() - t1);
      await context.close();
      progress.update(i + 1);
    }
    progress.end(`first paint measured (${failedLoads} loads retried)`);

    progress.phase('update latency', UPDATES);
    const context = await chromium.context();
    const page = await context.newPage();
    await gotoRetrying(page, `${server.url}/ui/#token=${encodeURIComponent(server.token)}`);
    await page.getByTestId('user').waitFor();
    await page.evaluate(`location.hash = '#/pods'`);
    await page.getByTestId('pod-count').getByText(`${PODS} of ${PODS} pods`).waitFor({ timeout: 60_000 });
    // Filter to the new pods so each lands in view of the virtualised table.
    await page.getByLabel('Filter pods').fill('latency-');
    for (let i = 0; i < UPDATES; i++) {
      const name = `latency-${i}`;
      const seen = rowAppears(page, `default/${name}`);
      const t0 = Date.now();
      await client.create(resources.pods, 'default', pod(name));
      latencies.push((await seen) - t0);
      progress.update(i + 1);
    }
    progress.end('update latency measured');
    await context.close();
  } finally {
    await chromium.close();
    await cluster.stop();
  }
  const shell = summarize(shells);
  const paint = summarize(paints);
  const table = summarize(tables);
  const fcp = summarize(fcps.filter(Number.isFinite));
  const lat = summarize(latencies);
  return [
    f('dashboard shell painted (navigation, overview frame), p50', shell.p50, 'ms', { anchor: FIRST_PAINT }),
    f(`first paint with ${PODS} pods listed (overview), p50`, paint.p50, 'ms', { anchor: FIRST_PAINT }),
    f(`first paint with ${PODS} pods listed (overview), max`, paint.max, 'ms', { detail: true }),
    f('first contentful paint (browser), p50', fcp.p50, 'ms', { anchor: FIRST_PAINT }),
    f(`switch to pods table, ${PODS} rows listed, p50`, table.p50, 'ms', { anchor: FIRST_PAINT }),
    f(`API create → row visible with ${PODS} pods, p50`, lat.p50, 'ms', { anchor: UPDATE_LATENCY }),
    f(`API create → row visible with ${PODS} pods, p90`, lat.p90, 'ms', { anchor: UPDATE_LATENCY }),
    f(`API create → row visible with ${PODS} pods, max`, lat.max, 'ms', { detail: true }),
    f('pods Running on hollow nodes while measuring', running, 'pods', { detail: true }),
  ];
}

await runBench(BENCH, main);
