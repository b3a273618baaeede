// EventRecorder, as client-go's tools/record: writes core/v1 Events about an object, folding
// repeats of an identical event (same object, type, reason, message, source) into one Event whose
// `count` and `lastTimestamp` are patched. Writes happen in the background, serialized per
// identical event; `event()` never throws and never blocks the caller. Failures are logged.

import type { Event } from 'kubernetes-types/core/v1.d.ts';
import { realClock, type Clock } from '../util/index.ts';
import { isNotFound } from './errors.ts';
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
  /** Identical-event cache size (LRU, default 4096). */
  cacheSize?: number;
}

interface Seen {
  namespace: string;
  name: string;
  count: number;
}

export function createEventRecorder(client: Client, opts: EventRecorderOptions): EventRecorder {
  const clock = opts.clock ?? realClock;
  const log = opts.logger ?? consoleLogger;
  const cacheSize = opts.cacheSize ?? 4096;
  const seen = new Map<string, Seen>();
  const chains = new Map<string, Promise<void>>();
  let seq = 0;

  async function write(key: string, ev: Event, now: string): Promise<void> {
    const prev = seen.get(key);
    if (prev) {
      prev.count++;
      seen.delete(key); // LRU: re-insert as newest
      seen.set(key, prev);
      try {
        await client.patch(resources.events, prev.namespace, prev.name, { count: prev.count, lastTimestamp: now, message: ev.message }, { type: 'merge' });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // The aggregated Event was deleted (TTL): start a fresh one.
        seen.delete(key);
      }
    }
    const created = await client.create<Event>(resources.events, ev.metadata.namespace, ev);
    seen.set(key, {
      namespace: created.metadata?.namespace ?? ev.metadata.namespace ?? 'default',
      name: created.metadata?.name ?? ev.metadata.name ?? '',
      count: created.count ?? 1,
    });
    while (seen.size > cacheSize) {
      const oldest = seen.keys().next().value;
      if (oldest === undefined) break;
      seen.delete(oldest);
    }
  }

  return {
    event(obj, e) {
      try {
        const nowMs = clock.now();
        const now = rfc3339(nowMs);
        const md = obj.metadata ?? {};
        const involvedObject = {
          kind: e.kind ?? obj.kind,
          apiVersion: e.apiVersion ?? obj.apiVersion,
          namespace: md.namespace,
          name: md.name,
          uid: md.uid,
          resourceVersion: md.resourceVersion,
          fieldPath: e.fieldPath,
        };
        const namespace = md.namespace || 'default';
        // Name as client-go: <object>.<unix nanos in hex>; the sequence keeps same-ms events apart.
        const nanos = BigInt(Math.floor(nowMs)) * 1_000_000n + BigInt(seq++ % 1_000_000);
        const ev: Event = {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${md.name ?? 'unknown'}.${nanos.toString(16)}`, namespace },
          involvedObject,
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
        const key = JSON.stringify([opts.component, opts.host, involvedObject.kind, namespace, md.name, md.uid, e.fieldPath, e.type, e.reason, e.message]);
        const prev = chains.get(key) ?? Promise.resolve();
        const next = prev
          .then(() => write(key, ev, now))
          .catch((err: unknown) => {
            log.warn(`event ${e.reason} for ${namespace}/${md.name ?? ''}: ${err instanceof Error ? err.message : String(err)}`);
          })
          .finally(() => {
            if (chains.get(key) === next) chains.delete(key);
          });
        chains.set(key, next);
      } catch (err) {
        log.warn(`event ${e.reason}: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    async flush() {
      while (chains.size > 0) await Promise.all([...chains.values()]);
    },
  };
}
