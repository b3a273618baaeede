// Watch event throughput to one watcher, two ways:
// - live: a watcher is open while a writer creates `count` pods with `concurrency` in flight; the
//   figure is events received per second over the burst (bounded by how fast the server accepts
//   writes), plus how far the last event trails the last acknowledged write.
// - replay: after the burst, a new watch from the resourceVersion before it; the server sends all
//   `count` events from its watch cache as fast as it can, so this is delivery speed alone.
import { performance } from 'node:perf_hooks';
import type { ApiClient } from '../lib/https-client.ts';
import type { Progress } from '../lib/progress.ts';
import { timedLoop, type LoopResult } from '../lib/timed-loop.ts';
import { podManifest, podsPath, WATCH_NAMESPACE } from './api-objects.ts';

export interface WatchResult {
  readonly writes: LoopResult;
  /** Events received per second during the live burst (first write sent → last event received). */
  readonly liveEventsPerSecond: number;
  /** Last event received − last write acknowledged, ms. */
  readonly tailLagMs: number;
  /** Arrival time of each live event, ms since the burst started. */
  readonly eventTimes: number[];
  readonly replayEventsPerSecond: number;
  readonly replayEvents: number;
}

const TIMEOUT_MS = 120_000;

export async function measureWatch(client: ApiClient, opts: { count: number; concurrency: number; progress: Progress }): Promise<WatchResult> {
  const { count, progress } = opts;
  const listing = await client.ok('GET', `${podsPath(WATCH_NAMESPACE)}?limit=1`);
  const startRv = (JSON.parse(listing.body) as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion ?? '0';
  const watchPath = `${podsPath(WATCH_NAMESPACE)}?watch=1&resourceVersion=${startRv}&timeoutSeconds=600`;

  // Live.
  const eventTimes: number[] = [];
  let start = performance.now();
  const live = await collect(
    client,
    watchPath,
    count,
    (t) => eventTimes.push(t - start),
    undefined,
    async () => {
      progress.phase(`watch live: create ${count} pods (concurrency ${opts.concurrency}) while one watcher receives`, count);
      start = performance.now();
      return timedLoop(count, { concurrency: opts.concurrency, progress }, async (i) => {
        await client.ok('POST', podsPath(WATCH_NAMESPACE), { body: podManifest(`w-${i}`, WATCH_NAMESPACE) });
      });
    },
  );
  const writes = live.during;
  const lastEvent = eventTimes[eventTimes.length - 1] ?? Number.NaN;
  const lastAck = Math.max(...writes.completedAt);
  progress.end(`${eventTimes.length} events`);

  // Replay.
  progress.phase(`watch replay: ${count} events from the watch cache`, count);
  const replayStart = performance.now();
  let replayLast = replayStart;
  const replay = await collect(
    client,
    watchPath,
    count,
    (t) => (replayLast = t),
    progress,
    async () => undefined,
  );
  progress.end(`${replay.received} events`);

  return {
    writes,
    liveEventsPerSecond: eventTimes.length / (lastEvent / 1000),
    tailLagMs: lastEvent - lastAck,
    eventTimes,
    replayEventsPerSecond: replay.received / ((replayLast - replayStart) / 1000),
    replayEvents: replay.received,
  };
}

/**
 * Opens the watch, runs `during` once the stream is open, and waits until `expected` ADDED events
 * have arrived (or TIMEOUT_MS passes). MODIFIED events (the scheduler marking a pod unschedulable)
 * and BOOKMARKs are skipped, not counted; ERROR or DELETED is a failure.
 */
async function collect<T>(
  client: ApiClient,
  path: string,
  expected: number,
  onEvent: (at: number) => void,
  progress: Progress | undefined,
  during: () => Promise<T>,
): Promise<{ received: number; during: T }> {
  const abort = new AbortController();
  let received = 0;
  let failure: string | undefined;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const stream = client.watch(
    path,
    (line) => {
      if (failure) return;
      // Every line starts with {"type":"..."}; parse the whole line only if it does not.
      const type = /^\{"type":"([A-Z]+)"/.exec(line)?.[1] ?? parseType(line);
      if (type === 'MODIFIED' || type === 'BOOKMARK') return;
      if (type !== 'ADDED') {
        failure = `unexpected watch event: ${line.slice(0, 300)}`;
        done();
        return;
      }
      onEvent(performance.now());
      received++;
      progress?.update(received);
      if (received >= expected) done();
    },
    abort.signal,
  );
  const streamEnded = stream.then(
    () => done(),
    (e: unknown) => {
      failure = `watch failed: ${e instanceof Error ? e.message : String(e)}`;
      done();
    },
  );
  const result = await during();
  const timer = setTimeout(done, TIMEOUT_MS);
  await finished;
  clearTimeout(timer);
  abort.abort();
  await streamEnded;
  if (failure) throw new Error(failure);
  if (received < expected) throw new Error(`watch received ${received} of ${expected} events`);
  return { received, during: result };
}

function parseType(line: string): string | undefined {
  try {
    return (JSON.parse(line) as { type?: string }).type;
  } catch {
    return undefined;
  }
}
