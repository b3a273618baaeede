// The soak: an open loop of ConfigMap writes at a fixed rate (a create, an update of a live one, a
// delete of the oldest, in turn, so the object count stays flat) while several watchers follow the
// namespace from the revision the soak started at. Every acknowledged write must reach every
// watcher as exactly one event: ADDED/MODIFIED carry the write's sequence number in `data.seq`,
// DELETED the object's (never reused) name. The server's RSS is sampled once a second.
// Shared by bench/soak/soak-bench.ts (minutes) and test/integration/soak.test.ts (seconds).
import { performance } from 'node:perf_hooks';
import { ApiClient } from '../lib/https-client.ts';
import { readProcStats } from '../lib/proc-stats.ts';

export interface SoakOptions {
  readonly url: string;
  readonly token: string;
  readonly caPem: string;
  /** The server process, for RSS samples. */
  readonly pid: number;
  readonly seconds: number;
  /** Writes started per second (open loop). */
  readonly rate: number;
  readonly watchers: number;
  /** How long to wait after the last write for the watchers to catch up (default 15 s). */
  readonly drainMs?: number;
  readonly onProgress?: (writesDone: number, total: number) => void;
}

export interface SoakResult {
  readonly writes: number;
  readonly writeErrors: number;
  readonly errorSamples: string[];
  /** Per watcher: events received that match an acknowledged write, and how many it missed. */
  readonly watchers: { delivered: number; missing: number; reconnects: number; errors: number }[];
  /** Events each watcher should have seen (= acknowledged writes). */
  readonly expectedEvents: number;
  /** Server RSS samples, bytes, one per second from the start of the load. */
  readonly rss: number[];
  /** Latency of each acknowledged write, ms. */
  readonly latencies: number[];
  readonly achievedRate: number;
}

const NS = 'soak';
const CMS = `/api/v1/namespaces/${NS}/configmaps`;
const LIVE = 100;
const PAYLOAD = 'x'.repeat(256);

interface WatchEvent {
  type: string;
  object: { metadata?: { name?: string; resourceVersion?: string }; data?: Record<string, string>; message?: string };
}

/** Follows the namespace from `rv`, re-opening from the last seen revision whenever the stream ends. */
function follow(client: ApiClient, rv: string, signal: AbortSignal): { seen: Set<string>; stats: { reconnects: number; errors: number }; done: Promise<void> } {
  const seen = new Set<string>();
  const stats = { reconnects: 0, errors: 0 };
  let last = rv;
  const done = (async () => {
    while (!signal.aborted) {
      try {
        await client.watch(
          `${CMS}?watch=1&resourceVersion=${last}`,
          (line) => {
            if (!line) return;
            const ev = JSON.parse(line) as WatchEvent;
            if (ev.type === 'ERROR') {
              stats.errors++;
              return;
            }
            last = ev.object.metadata?.resourceVersion ?? last;
            seen.add(ev.type === 'DELETED' ? `DELETED ${ev.object.metadata?.name}` : `${ev.type} ${ev.object.data?.seq}`);
          },
          signal,
        );
      } catch {
        stats.errors++;
      }
      if (!signal.aborted) stats.reconnects++;
    }
  })();
  return { seen, stats, done };
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const client = new ApiClient({ url: opts.url, token: opts.token, caPem: opts.caPem });
  const stop = new AbortController();
  try {
    const ns = await client.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } });
    if (ns.status !== 201 && ns.status !== 409) throw new Error(`create namespace ${NS}: ${ns.status} ${ns.body}`);
    const startRv = (JSON.parse((await client.ok('GET', CMS)).body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const watchers = Array.from({ length: opts.watchers }, () => follow(client, startRv, stop.signal));

    const expected: string[] = [];
    const latencies: number[] = [];
    const errorSamples: string[] = [];
    let writeErrors = 0;
    const live: string[] = [];
    // Names with an update in flight: a delete skips them, so no write races another into a 404.
    const patching = new Map<string, number>();
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(readProcStats(opts.pid).rssBytes), 1000);
    rss.push(readProcStats(opts.pid).rssBytes);
    const total = Math.round(opts.rate * opts.seconds);
    const inflight = new Set<Promise<void>>();
    const t0 = performance.now();
    for (let seq = 0; seq < total; seq++) {
      const wait = t0 + (seq * 1000) / opts.rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // create / update / delete in turn; create while fewer than LIVE objects exist.
      let kind = seq % 3;
      const victim = kind === 2 && live.length > LIVE ? live.findIndex((n) => !patching.has(n)) : -1;
      if (kind === 2 && victim < 0) kind = 0;
      if (kind === 1 && live.length === 0) kind = 0;
      const op = async (): Promise<void> => {
        const s = performance.now();
        let key: string;
        let res: Awaited<ReturnType<typeof client.request>>;
        if (kind === 0) {
          const name = `soak-${seq}`;
          res = await client.request('POST', CMS, {
            body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { seq: String(seq), payload: PAYLOAD } },
          });
          key = `ADDED ${seq}`;
          if (res.status === 201) live.push(name);
        } else if (kind === 1) {
          const name = live[seq % live.length]!;
          patching.set(name, (patching.get(name) ?? 0) + 1);
          try {
            res = await client.request('PATCH', `${CMS}/${name}`, { body: { data: { seq: String(seq) } }, contentType: 'application/merge-patch+json' });
          } finally {
            const n = (patching.get(name) ?? 1) - 1;
            if (n > 0) patching.set(name, n);
            else patching.delete(name);
          }
          key = `MODIFIED ${seq}`;
        } else {
          const name = live.splice(victim, 1)[0]!;
          res = await client.request('DELETE', `${CMS}/${name}`);
          key = `DELETED ${name}`;
        }
        if (res.status >= 200 && res.status < 300) {
          latencies.push(performance.now() - s);
          expected.push(key);
        } else {
          writeErrors++;
          if (errorSamples.length < 5) errorSamples.push(`${res.status} ${res.body.slice(0, 200)}`);
        }
      };
      const p = op()
        .catch((e: unknown) => {
          writeErrors++;
          if (errorSamples.length < 5) errorSamples.push(e instanceof Error ? e.message : String(e));
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
      opts.onProgress?.(seq + 1, total);
    }
    await Promise.all(inflight);
    const achievedRate = total / ((performance.now() - t0) / 1000);
    clearInterval(sampler);
    rss.push(readProcStats(opts.pid).rssBytes);

    const missingIn = (seen: Set<string>): number => expected.filter((k) => !seen.has(k)).length;
    const drainUntil = performance.now() + (opts.drainMs ?? 15_000);
    while (performance.now() < drainUntil && watchers.some((w) => missingIn(w.seen) > 0)) await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    await Promise.all(watchers.map((w) => w.done));
    return {
      writes: expected.length,
      writeErrors,
      errorSamples,
      watchers: watchers.map((w) => ({ delivered: expected.length - missingIn(w.seen), missing: missingIn(w.seen), ...w.stats })),
      expectedEvents: expected.length,
      rss,
      latencies,
      achievedRate,
    };
  } finally {
    stop.abort();
    client.close();
  }
}
