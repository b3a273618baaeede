// What client-go's EventCorrelator (tools/record/events_cache.go) decides before an Event reaches
// the API server, in the same three steps and with the same defaults:
//
//   aggregate  similar events (same source, object, type and reason; any message) seen with 10
//              distinct messages, each within 10 minutes of the previous one, are replaced by one
//              event "(combined from similar events): <latest message>", which then counts up;
//   observe    an event identical to one already written (same source, object, field path, type,
//              reason and message) becomes a patch of that Event's count, lastTimestamp and
//              message instead of a new object;
//   filter     a token bucket per source + object (burst 25, one token back every 5 minutes) drops
//              what exceeds it. Dropped occurrences still count, so the next written patch carries
//              the true count, as upstream.
//
// Synchronous and single-threaded: the recorder calls `correlate` once per occurrence, in the order
// they happen. Every cache is an LRU of 4096 entries, so memory stays bounded per recorder.
import { hash } from 'node:crypto';
import type { Event } from 'kubernetes-types/core/v1.d.ts';
import { rfc3339 } from '../api/index.ts';
import { Lru, type Clock } from '../util/index.ts';

export const AGGREGATE_PREFIX = '(combined from similar events): ';

export interface CorrelatorOptions {
  clock: Clock;
  /** Entries per cache (default 4096). */
  cacheSize?: number;
  /** Events one source may write about one object at once (default 25). */
  burst?: number;
  /** Refill of that allowance, per second (default 1/300: one every 5 minutes). */
  qps?: number;
  /** Distinct messages of similar events before they are combined (default 10). */
  maxSimilar?: number;
  /** A similar event later than this after the previous one starts a new count (default 10 min). */
  similarWindowMs?: number;
}

/** The fields a repeat patches onto the existing Event. */
export interface RepeatPatch {
  count: number;
  lastTimestamp: string;
  message: string;
}

export type Correlation =
  /** `patch` unset: create `event`. Set: patch it onto `event.metadata.name` (create `event` if that is gone). */
  { readonly skip: false; readonly key: string; readonly event: Event; readonly patch?: RepeatPatch } | { readonly skip: true };

interface Observation {
  name: string;
  count: number;
  firstTimestamp: string | undefined;
}

interface Similar {
  /** Distinct messages, the oldest first (an array: most records only ever hold one). */
  messages: string[];
  last: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const DEFAULTS = { cacheSize: 4096, burst: 25, qps: 1 / 300, maxSimilar: 10, similarWindowMs: 600_000 };

/**
 * A cache key: the SHA-1 of the fields (upstream keys by the joined strings themselves). A node
 * agent keeps about seven keys per pod; joined, each was ~200 bytes of source, object and reason,
 * and the caches were the largest per-pod item in the hollow nodes' heap (3.2 KB of ~15 KB).
 */
const join = (parts: (string | undefined)[]): string => hash('sha1', JSON.stringify(parts.map((p) => p ?? '')), 'base64');

function spamKey(e: Event): string {
  const o = e.involvedObject;
  return join([e.source?.component, e.source?.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion]);
}

/** Identical events share this key (upstream getEventKey). */
export function identicalKey(e: Event): string {
  const o = e.involvedObject;
  return join([e.source?.component, e.source?.host, o.kind, o.namespace, o.name, o.fieldPath, o.uid, o.apiVersion, e.type, e.reason, e.message]);
}

/** Similar events share this key: everything but the message (upstream EventAggregatorByReasonFunc). */
function similarKey(e: Event): string {
  const o = e.involvedObject;
  return join([
    e.source?.component,
    e.source?.host,
    o.kind,
    o.namespace,
    o.name,
    o.uid,
    o.apiVersion,
    e.type,
    e.reason,
    e.reportingComponent,
    e.reportingInstance,
  ]);
}

export class EventCorrelator {
  readonly #clock: Clock;
  readonly #opts: typeof DEFAULTS;
  readonly #buckets: Lru<string, Bucket>;
  readonly #similar: Lru<string, Similar>;
  readonly #observed: Lru<string, Observation>;
  #seq = 0;

  constructor(options: CorrelatorOptions) {
    const { clock, ...tuning } = options;
    this.#clock = clock;
    this.#opts = { ...DEFAULTS, ...stripUndefined(tuning) };
    this.#buckets = new Lru(this.#opts.cacheSize);
    this.#similar = new Lru(this.#opts.cacheSize);
    this.#observed = new Lru(this.#opts.cacheSize);
  }

  /** Decides what to write for one occurrence of `event` (a complete core/v1 Event, count 1). */
  correlate(event: Event): Correlation {
    const [aggregated, key] = this.#aggregate(event);
    const observed = this.#observe(aggregated, key);
    if (!this.#allow(event)) return { skip: true };
    return { skip: false, key, ...observed };
  }

  /** A unique Event name as client-go makes it: `<object name>.<unix nanoseconds in hex>`. */
  newName(objectName: string | undefined): string {
    // Our clock has milliseconds; a sequence in the nanoseconds keeps same-millisecond events apart.
    const nanos = BigInt(Math.floor(this.#clock.now())) * 1_000_000n + BigInt(this.#seq++ % 1_000_000);
    return `${objectName ?? 'unknown'}.${nanos.toString(16)}`;
  }

  #aggregate(event: Event): [Event, string] {
    const now = this.#clock.now();
    const key = similarKey(event);
    let record = this.#similar.get(key);
    const message = event.message ?? '';
    // A one-element literal, not `[]` and a push: V8 gives a pushed-to empty array room for 17.
    if (!record || now - record.last > this.#opts.similarWindowMs) record = { messages: [message], last: now };
    else if (!record.messages.includes(message)) record.messages.push(message);
    record.last = now;
    this.#similar.set(key, record);
    if (record.messages.length < this.#opts.maxSimilar) return [event, identicalKey(event)];
    // Keep the set at the threshold: forget the oldest message.
    record.messages.shift();
    const stamp = rfc3339(now);
    const combined: Event = {
      ...event,
      metadata: { name: this.newName(event.involvedObject.name), namespace: event.metadata.namespace },
      message: AGGREGATE_PREFIX + (event.message ?? ''),
      count: 1,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
    };
    return [combined, key];
  }

  #observe(event: Event, key: string): { event: Event; patch?: RepeatPatch } {
    const last = this.#observed.get(key);
    if (!last) {
      this.#observed.set(key, { name: event.metadata.name ?? '', count: event.count ?? 1, firstTimestamp: event.firstTimestamp });
      return { event };
    }
    const count = last.count + 1;
    const repeat: Event = { ...event, metadata: { ...event.metadata, name: last.name }, firstTimestamp: last.firstTimestamp, count };
    this.#observed.set(key, { ...last, count });
    return { event: repeat, patch: { count, lastTimestamp: repeat.lastTimestamp ?? rfc3339(this.#clock.now()), message: repeat.message ?? '' } };
  }

  #allow(event: Event): boolean {
    const now = this.#clock.now();
    const key = spamKey(event);
    const b = this.#buckets.get(key) ?? { tokens: this.#opts.burst, at: now };
    b.tokens = Math.min(this.#opts.burst, b.tokens + ((now - b.at) / 1000) * this.#opts.qps);
    b.at = now;
    // The epsilon absorbs float error in the refill (300 s × 1/300 must make a whole token).
    const ok = b.tokens >= 1 - 1e-9;
    if (ok) b.tokens = Math.max(0, b.tokens - 1);
    this.#buckets.set(key, b);
    return ok;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
