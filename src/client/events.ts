// EventRecorder, as client-go's tools/record: writes core/v1 Events about an object through an
// EventCorrelator (./event-correlator.ts), so a repeated event patches the existing Event's
// `count` and `lastTimestamp`, similar events are combined, and a source that keeps reporting
// about one object is throttled. Optionally, every write of the recorder takes a token from one
// bucket first (the kubelet's --event-qps/--event-burst: one node's events are rate limited).
//
// `event()` never throws and never blocks the caller: correlation is synchronous, writes run in
// the background, serialized per correlated Event so a patch never overtakes its create. At most
// `maxPending` writes wait at once; beyond that, occurrences are dropped (upstream's broadcaster
// drops when its 1000-entry queue is full). Failures are logged.
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
   * How long a write waits before it is sent (default 0). An agent embedded in the API server
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
  const chains = new Map<string, Promise<void>>();
  let pending = 0;
  let dropped = 0;

  async function write(key: string, ev: Event, patch: { count: number; lastTimestamp: string; message: string } | undefined): Promise<void> {
    if (opts.delayMs) await sleep(clock, opts.delayMs);
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
        const prev = chains.get(c.key) ?? Promise.resolve();
        const next = prev
          .then(() => write(c.key, c.event, c.patch))
          .catch((err: unknown) => {
            log.warn(`event ${e.reason} for ${ev.metadata.namespace}/${md.name ?? ''}: ${err instanceof Error ? err.message : String(err)}`);
          })
          .finally(() => {
            pending--;
            if (chains.get(c.key) === next) chains.delete(c.key);
          });
        chains.set(c.key, next);
      } catch (err) {
        log.warn(`event ${e.reason}: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    async flush() {
      while (chains.size > 0) await Promise.all([...chains.values()]);
    },
  };
}
