// EventRecorder, as client-go's tools/record: writes core/v1 Events about an object through an
// EventCorrelator (./event-correlator.ts), so a repeated event patches the existing Event's
// `count` and `lastTimestamp`, similar events are combined, and a source that keeps reporting
// about one object is throttled. Optionally, every write of the recorder takes a token from one
// bucket first (the kubelet's --event-qps/--event-burst: one node's events are rate limited).
//
// `event()` never throws and never blocks the caller: correlation is synchronous, and one writer in
// the background sends the writes in order, one at a time, as client-go's broadcaster hands events
// to its sink (so a patch never overtakes its create). At most `maxPending` writes wait; beyond
// that, occurrences are dropped (upstream's broadcaster drops when its 1000-entry queue is full).
// Failures are logged.
import type { Event } from 'kubernetes-types/core/v1.d.ts';
import { realClock, sleep, type Clock } from '../util/index.ts';
import { isNotFound } from './errors.ts';
import { EventCorrelator, type CorrelatorOptions } from './event-correlator.ts';
import { bucketRateLimiter, type RateLimiter } from './rate-limiter.ts';
import { resources } from './resources.ts';
import type { Client } from './rest-client.ts';
import { consoleLogger, type KubeObject, type Logger } from './types.ts';
import { rfc3339 } from '../api/index.ts';

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** Needed when `obj` came from a list (list items carry no kind/apiVersion). */
  kind?: string;
  apiVersion?: string;
  fieldPath?: string;
  action?: string;
}

export interface EventRecorder {
  event(obj: KubeObject, e: EventSpec): void;
  /** Resolves when every write queued so far has finished (tests, shutdown). */
  flush(): Promise<void>;
}

export interface EventRecorderOptions {
  component: string;
  host?: string;
  clock?: Clock;
  logger?: Logger;
  /** Spam filter and aggregation tuning (defaults: upstream's). */
  correlator?: Omit<CorrelatorOptions, 'clock'>;
  /** Writes per second of this recorder (unset: not limited). The kubelet's --event-qps is 50. */
  qps?: number;
  /** Burst of those writes (kubelet's --event-burst: 100). */
  burst?: number;
  /** Writes waiting at once before new occurrences are dropped (default 1000). */
  maxPending?: number;
  /**
   * How long after its occurrence a write is sent, at the earliest (default 0). An agent embedded in the API server
   * process shares its one thread: a pod's Pulled/Created/Started events, written at once, cost the
   * server (and the agent's TLS client) about as much as the pod's own start-up calls, and delayed
   * a 2-container pod's Running by ~20 ms. Written a moment later they no longer compete with them.
   */
  delayMs?: number;
}

export function createEventRecorder(client: Client, opts: EventRecorderOptions): EventRecorder {
  const clock = opts.clock ?? realClock;
  const log = opts.logger ?? consoleLogger;
  const correlator = new EventCorrelator({ clock, ...opts.correlator });
  const limiter: RateLimiter<string> | undefined = opts.qps ? bucketRateLimiter({ qps: opts.qps, burst: opts.burst ?? opts.qps, clock }) : undefined;
  const maxPending = opts.maxPending ?? 1000;
  interface Write {
    key: string;
    event: Event;
    patch?: { count: number; lastTimestamp: string; message: string };
    /** Not sent before this time (delayMs after the occurrence). */
    due: number;
    what: string;
  }
  const queue: Write[] = [];
  // Set while the writer runs; it clears it in the same step that finds the queue empty.
  let writer: Promise<void> | undefined;
  let pending = 0;
  let dropped = 0;

  async function write({ key, event: ev, patch, due }: Write): Promise<void> {
    const until = due - clock.now();
    if (until > 0) await sleep(clock, until);
    const wait = limiter?.when(key) ?? 0;
    if (wait > 0) await sleep(clock, wait);
    const ns = ev.metadata.namespace;
    const name = ev.metadata.name ?? '';
    if (patch) {
      try {
        await client.patch(resources.events, ns, name, patch, { type: 'merge' });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // The Event expired (--event-ttl) or was deleted: write it again, name and count kept, as upstream.
      }
    }
    await client.create(resources.events, ns, ev);
  }

  async function drain(): Promise<void> {
    for (let w = queue.shift(); w; w = queue.shift()) {
      try {
        await write(w);
      } catch (err) {
        log.warn(`event ${w.what}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        pending--;
      }
    }
    writer = undefined;
  }

  return {
    event(obj, e) {
      try {
        const now = rfc3339(clock.now());
        const md = obj.metadata ?? {};
        const ev: Event = {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: correlator.newName(md.name), namespace: md.namespace || 'default' },
          involvedObject: {
            kind: e.kind ?? obj.kind,
            apiVersion: e.apiVersion ?? obj.apiVersion,
            namespace: md.namespace,
            name: md.name,
            uid: md.uid,
            resourceVersion: md.resourceVersion,
            fieldPath: e.fieldPath,
          },
          reason: e.reason,
          message: e.message,
          type: e.type,
          source: { component: opts.component, ...(opts.host ? { host: opts.host } : {}) },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          reportingComponent: opts.component,
          reportingInstance: opts.host ?? '',
          ...(e.action ? { action: e.action } : {}),
        };
        const c = correlator.correlate(ev);
        if (c.skip) return;
        if (pending >= maxPending) {
          if (dropped++ % 100 === 0) log.warn(`events: ${dropped} dropped, ${pending} writes already waiting`);
          return;
        }
        pending++;
        queue.push({
          key: c.key,
          event: c.event,
          patch: c.patch,
          due: clock.now() + (opts.delayMs ?? 0),
          what: `${e.reason} for ${ev.metadata.namespace}/${md.name ?? ''}`,
        });
        writer ??= drain();
      } catch (err) {
        log.warn(`event ${e.reason}: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    async flush() {
      while (writer) await writer;
    },
  };
}
