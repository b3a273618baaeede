// Watch fan-out: events/s the server delivers to 1 and to W watchers of the same pods.
// - live: W watchers open while a writer creates P pods (32 in flight); figure = events delivered
//   per second summed over watchers, first write → last event (bounded by the write rate × W).
// - replay: W watchers started together from the resourceVersion before the burst; the server
//   sends every event from its watch cache as fast as it can: delivery speed alone.
// Usage: npx tsx bench/scale/watch-fanout.ts [--quick] [--pods P] [--watchers W]
import type { Pod } from 'kubernetes-types/core/v1.js';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient, resources, type Client } from '../../src/client/index.ts';
import { anchors, barChart, createProgress, launchServer, OUT_DIR, parseBenchArgs, runBench, writePng, type Figure } from '../lib/index.ts';
import { pool } from './cluster.ts';

const args = parseBenchArgs(['pods', 'watchers']);
const PODS = Number(args.values.pods ?? (args.quick ? 300 : 5000));
const WATCHERS = Number(args.values.watchers ?? 100);
const NS = 'fanout';
const BENCH = 'scale-watch-fanout';
const progress = createProgress({ label: BENCH });

/** Opens `n` watches from `rv`; resolves with the time (ms) at which each received `want` events. */
async function fanout(client: Client, n: number, rv: string, want: number, during?: () => Promise<void>): Promise<{ seconds: number; delivered: number }> {
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  let delivered = 0;
  let complete = 0;
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const t0 = performance.now();
  const watches = Array.from({ length: n }, () => {
    let got = 0;
    return client.watch<Pod>(resources.pods, NS, { resourceVersion: rv, signal: abort.signal, timeoutSeconds: 600 }, () => {
      delivered++;
      if (++got === want && ++complete === n) finished();
    });
  });
  // Every stream ended (closed by the server, failed) before the last event: stop waiting.
  void Promise.allSettled(watches).then(() => finished());
  if (during) await during();
  const timeout = setTimeout(() => finished(), 300_000);
  await done;
  clearTimeout(timeout);
  const seconds = (performance.now() - t0) / 1000;
  abort.abort();
  await Promise.allSettled(watches);
  // A rate over watchers that stopped early (a closed stream, the timeout) would flatter: fail.
  if (complete < n)
    throw new Error(`only ${complete} of ${n} watchers received all ${want} events (${delivered} of ${n * want} delivered in ${seconds.toFixed(1)} s)`);
  return { seconds, delivered };
}

async function main(): Promise<Figure[]> {
  const server = await launchServer({ args: ['--disable', 'scheduler,controller-manager,agent'] });
  const client = createClient({ server: server.url, token: server.token, ca: server.caPem, userAgent: 'watch-fanout', maxSockets: 64 });
  const f = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({ bench: BENCH, name, value, unit, ...extra });
  try {
    await client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const rv = (await client.list(resources.pods, NS, { limit: 1 })).metadata?.resourceVersion ?? '0';
    const write = async (): Promise<void> => {
      let made = 0;
      await pool(PODS, 32, async (i) => {
        await client.create(resources.pods, NS, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `f-${i}`, labels: { app: 'fanout' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        });
        progress.update(++made);
      });
    };
    progress.phase(`live: ${WATCHERS} watchers while ${PODS} pods are created`, PODS);
    const live = await fanout(client, WATCHERS, rv, PODS, write);
    progress.end(`${Math.round(live.delivered / live.seconds)} events/s`);
    progress.phase(`replay: ${PODS} events to 1 watcher`);
    const one = await fanout(client, 1, rv, PODS);
    progress.end(`${Math.round(one.delivered / one.seconds)} events/s`);
    progress.phase(`replay: ${PODS} events to each of ${WATCHERS} watchers`);
    const many = await fanout(client, WATCHERS, rv, PODS);
    progress.end(`${Math.round(many.delivered / many.seconds)} events/s`);
    writePng(
      join(OUT_DIR, `${BENCH}.png`),
      barChart({
        title: `Watch events delivered per second (${PODS} events)`,
        yLabel: 'events/s',
        categories: ['replay, 1 watcher', `replay, ${WATCHERS} watchers`, `live, ${WATCHERS} watchers`],
        series: [{ name: 'events/s', values: [one.delivered / one.seconds, many.delivered / many.seconds, live.delivered / live.seconds] }],
      }),
    );
    return [
      f(`replay to 1 watcher (${PODS} events)`, one.delivered / one.seconds, 'events/s', { anchor: anchors.GOAL_WATCH_EVENTS }),
      f(`replay to ${WATCHERS} watchers, total`, many.delivered / many.seconds, 'events/s', { anchor: anchors.GOAL_WATCH_EVENTS }),
      f(`live to ${WATCHERS} watchers during ${PODS} creates, total`, live.delivered / live.seconds, 'events/s'),
      f(`live write rate (32 in flight, ${WATCHERS} watchers)`, PODS / live.seconds, 'pods/s', { detail: true }),
    ];
  } finally {
    client.close();
    await server.stop();
  }
}

await runBench(BENCH, main);
