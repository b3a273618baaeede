// Watch: a chunked stream of JSON lines {"type":..,"object":..}, fed by the watch cache.
// Selector-filtered watches turn a change that makes an object enter the selection into ADDED and
// one that makes it leave into DELETED, as upstream. Bookmarks are sent periodically when asked.
//
// The stream itself (runWatch) does not know where its events go: serveWatch writes them to an
// HTTP response, watchInProcess hands the cache's shared objects to a callback in this process
// (the server's own informers: no encoding, no socket, no second decoded copy of every object).
import { CompactedError } from '../../storage/index.ts';
import type { KObject } from '../registry/types.ts';
import { listPrefix } from '../store/codec.ts';
import { parseResourceVersion } from '../store/generic-store.ts';
import { negotiate } from '../http/respond.ts';
import type { CacheEvent } from '../watch/watch-cache.ts';
import { buildFieldMatcher, buildLabelMatcher } from './selectors.ts';
import { parseIncludeObject, toTable, type IncludeObject } from './table.ts';
import type { ApiContext, RequestScope, ResourceHandle } from '../context.ts';
import { longRunningKey } from '../metrics.ts';
import { pathNotFound } from '../errors.ts';

/** Unread bytes a watcher may accumulate before the server closes its stream. */
const MAX_UNREAD_BYTES = 32 * 1024 * 1024;

export interface WatchRequest {
  readonly namespace: string | undefined;
  /** The request's scope for metrics: one object, one namespace or the cluster. */
  readonly scope: 'resource' | 'namespace' | 'cluster';
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly resourceVersion?: string;
  readonly bookmarks: boolean;
  /** Default: the server's minimum request timeout, times 1 to 2 (as upstream). */
  readonly timeoutSeconds?: number;
  readonly sendInitialEvents: boolean;
  /** Send Table rows instead of objects (kubectl get -w). */
  readonly table?: { readonly includeObject: IncludeObject };
}

/** Where a watch's events go. */
export interface WatchSink {
  /**
   * One event. `objectJson`, when given, is exactly JSON.stringify(obj), shared by every watcher
   * of the event. Returns false when the receiver cannot keep up: the stream then ends.
   */
  send(type: string, obj: unknown, objectJson: string | undefined): boolean;
  /** The stream ended (timeout, overflow, an error event, the resource gone, or `signal`). */
  end(): void;
}

/**
 * A watch, its selectors parsed (a bad one throws ApiError here, before anything is sent). `run`
 * streams to `sink` until the timeout, `signal` or an error event ends it, and resolves then.
 */
export function openWatch(ctx: ApiContext, handle: ResourceHandle, r: WatchRequest): { run(sink: WatchSink, signal: AbortSignal): Promise<void> } {
  const labelMatch = buildLabelMatcher(r.labelSelector);
  const fieldMatch = buildFieldMatcher(handle.entry, r.fieldSelector);
  return { run: (sink, signal) => runWatch(ctx, handle, r, { labelMatch, fieldMatch }, sink, signal) };
}

type Matchers = { labelMatch: ReturnType<typeof buildLabelMatcher>; fieldMatch: ReturnType<typeof buildFieldMatcher> };

async function runWatch(ctx: ApiContext, handle: ResourceHandle, r: WatchRequest, m: Matchers, sink: WatchSink, signal: AbortSignal): Promise<void> {
  const entry = handle.entry;
  const { labelMatch, fieldMatch } = m;
  const matches = (obj: KObject | undefined): boolean =>
    obj !== undefined && (!labelMatch || labelMatch(obj.metadata?.labels)) && (!fieldMatch || fieldMatch(obj));
  const rvParam = r.resourceVersion;
  const timeoutSeconds = r.timeoutSeconds ?? ctx.watchTuning.minRequestTimeoutSeconds * (1 + Math.random());
  let columnsSent = false;

  const abort = new AbortController();
  const done = new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
  ctx.watchers.count++;
  const metricKey = longRunningKey({ verb: 'WATCH', group: entry.group, version: entry.version, resource: entry.resource, scope: r.scope });
  ctx.watchers.byResource.set(metricKey, (ctx.watchers.byResource.get(metricKey) ?? 0) + 1);
  const finish = (timedOut = false) => {
    if (abort.signal.aborted) return;
    // A last bookmark lets a client resume exactly where this stream ended.
    if (timedOut && r.bookmarks) bookmark();
    abort.abort();
    signal.removeEventListener('abort', onAbort);
    ctx.watchers.count--;
    const left = (ctx.watchers.byResource.get(metricKey) ?? 1) - 1;
    if (left > 0) ctx.watchers.byResource.set(metricKey, left);
    else ctx.watchers.byResource.delete(metricKey);
    clearTimeout(timer);
    clearInterval(bookmarkTimer);
    sink.end();
  };
  const onAbort = () => finish();
  signal.addEventListener('abort', onAbort, { once: true });
  // A resource that stops being served (its CRD deleted or changed) ends its watches, as upstream.
  const unwatchRegistry = ctx.registry.onChange(() => {
    if (ctx.resource(entry.group, entry.version, entry.resource) !== handle) finish();
  });
  abort.signal.addEventListener('abort', unwatchRegistry, { once: true });
  const timer = setTimeout(() => finish(true), timeoutSeconds * 1000);
  let lastRv = 0;

  const render = (stored: KObject): unknown => {
    // Cache events are shared between watchers: convert a copy, never the event's object.
    const obj =
      entry.convert && stored.apiVersion !== handle.store.apiVersion
        ? entry.convert(stored)
        : entry.convertApiVersion && stored.apiVersion !== handle.store.apiVersion
          ? { ...stored, apiVersion: handle.store.apiVersion }
          : stored;
    if (!r.table) return obj;
    const t = toTable(entry, [obj], ctx.clock, {
      includeObject: r.table.includeObject,
      withColumns: !columnsSent,
      resourceVersion: obj.metadata?.resourceVersion,
    });
    columnsSent = true;
    return t;
  };
  const send = (type: string, obj: unknown, objectJson?: string) => {
    if (abort.signal.aborted) return;
    if (!sink.send(type, obj, objectJson)) finish();
  };
  const bookmark = (annotations?: Record<string, string>) => {
    const rv = String(Math.max(lastRv, ctx.watchCache.latestRevision()));
    send('BOOKMARK', {
      kind: entry.kind,
      apiVersion: handle.store.apiVersion,
      metadata: { resourceVersion: rv, ...(annotations ? { annotations } : {}) },
    });
  };
  const bookmarkTimer = setInterval(() => {
    if (r.bookmarks) bookmark();
  }, ctx.watchTuning.bookmarkIntervalMs);

  // The event's shared object and encoding serve unless render() would change them (a Table, a version conversion).
  const asStored = (e: CacheEvent) => !r.table && !((entry.convert || entry.convertApiVersion) && e.object.apiVersion !== handle.store.apiVersion);
  const emit = (type: string, e: CacheEvent) => (asStored(e) ? send(type, e.object, e.objectJson()) : send(type, render(e.object)));
  const onEvent = (e: CacheEvent) => {
    lastRv = e.revision;
    if (!labelMatch && !fieldMatch) {
      // Everything matches: the event's own type (MODIFIED exactly when there was a previous state).
      emit(e.type, e);
      return;
    }
    const now = matches(e.object);
    if (e.type === 'DELETED') {
      if (now) emit('DELETED', e);
      return;
    }
    const before = matches(e.prev);
    if (now && before) emit('MODIFIED', e);
    else if (now) emit('ADDED', e);
    else if (before) emit('DELETED', e);
  };

  try {
    let from: number;
    if (rvParam === undefined || rvParam === '' || rvParam === '0' || r.sendInitialEvents) {
      // Synthetic ADDED events for the current state, then changes after the list's revision.
      const list = await handle.store.listShared(r.namespace, { labelMatch, fieldMatch });
      from = Number(list.resourceVersion);
      if (rvParam !== undefined && rvParam !== '' && rvParam !== '0' && r.sendInitialEvents) {
        from = Math.max(from, parseResourceVersion(rvParam));
      }
      // Listed objects are served already (converted if needed): their encoding serves unless a Table is asked for.
      for (const item of list.items) {
        if (r.table) send('ADDED', render(item.object));
        else send('ADDED', item.object, item.json());
      }
      lastRv = from;
      if (r.sendInitialEvents && r.bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    } else {
      from = parseResourceVersion(rvParam);
      lastRv = from;
    }
    await ctx.watchCache.subscribe(listPrefix(entry, r.namespace), from, onEvent, abort.signal);
  } catch (e) {
    if (e instanceof CompactedError) {
      send('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${e.requested} (${e.compactRevision})`,
        reason: 'Expired',
        code: 410,
      });
      finish();
      return;
    }
    const message = e instanceof Error ? e.message : String(e);
    send('ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 });
    finish();
  }
  await done;
}

export async function serveWatch(scope: RequestScope): Promise<void> {
  const { handle, query, res, req, ctx, info } = scope;
  const neg = negotiate(req);
  const request: WatchRequest = {
    namespace: info.namespace,
    scope: info.name !== undefined ? 'resource' : info.namespace !== undefined ? 'namespace' : 'cluster',
    labelSelector: query.str('labelSelector'),
    fieldSelector: query.str('fieldSelector'),
    resourceVersion: query.str('resourceVersion'),
    bookmarks: query.bool('allowWatchBookmarks'),
    timeoutSeconds: query.int('timeoutSeconds'),
    sendInitialEvents: query.str('sendInitialEvents') === 'true',
    table: neg.table ? { includeObject: parseIncludeObject(query.str('includeObject')) } : undefined,
  };
  // Bad selectors are refused before the stream starts (a 400, not an ERROR event).
  const watch = openWatch(ctx, handle, request);
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  const closed = new AbortController();
  res.on('close', () => closed.abort());
  await watch.run(
    {
      send(type, obj, objectJson) {
        // Byte for byte JSON.stringify({ type, object }), with the object's JSON encoded once per event.
        res.write(objectJson === undefined ? JSON.stringify({ type, object: obj }) + '\n' : `{"type":"${type}","object":${objectJson}}\n`);
        // A watcher that stops reading is closed rather than buffered without bound (as upstream's
        // cacher drops unresponsive watchers); the client re-watches from its last resourceVersion.
        return res.writableLength <= MAX_UNREAD_BYTES;
      },
      end: () => res.end(),
    },
    closed.signal,
  );
}

/** A watch of the server's own in-process clients (its shared informers), as `client.watch` takes it. */
export interface InProcessWatchOptions {
  readonly resourceVersion?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly allowWatchBookmarks?: boolean;
  readonly timeoutSeconds?: number;
  readonly signal?: AbortSignal;
}

/**
 * Set (tests set it) to deep-freeze every object an in-process watch hands out: a component that
 * changed an informer's object in place would change the server's cache and every other reader's
 * view, and then throws instead.
 */
const FREEZE_SHARED = process.env.PEAPOD_FREEZE_SHARED === '1';

function deepFreeze(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}

/**
 * The same stream as an HTTP watch, for a caller in this process: the events carry the watch
 * cache's own objects (shared with the object cache, GET/LIST and every other watcher; never
 * mutate them) instead of their encoding, so the server's informers hold no second decoded copy
 * of each object and nothing is encoded, written to a socket and parsed again. Events arrive in
 * batches on a later turn of the event loop (as a socket's would), not inside the write that made
 * them. Throws ApiError for an unknown resource or a bad selector; resolves when the stream ends
 * (timeout, an ERROR event delivered, `signal`); rejects with what `onEvent` threw, after which
 * nothing more is delivered.
 */
export async function watchInProcess(
  ctx: ApiContext,
  ref: { readonly group: string; readonly version: string; readonly resource: string },
  namespace: string | undefined,
  opts: InProcessWatchOptions,
  onEvent: (type: string, object: unknown) => void,
): Promise<void> {
  const signal = opts.signal;
  if (signal?.aborted) return;
  const handle = ctx.resource(ref.group, ref.version, ref.resource);
  if (!handle) throw pathNotFound();
  const watch = openWatch(ctx, handle, {
    namespace,
    scope: namespace !== undefined ? 'namespace' : 'cluster',
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
    resourceVersion: opts.resourceVersion,
    bookmarks: opts.allowWatchBookmarks ?? false,
    timeoutSeconds: opts.timeoutSeconds,
    sendInitialEvents: false,
  });
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let queue: [string, unknown][] = [];
  let failed: { error: unknown } | undefined;
  const flush = () => {
    const batch = queue;
    queue = [];
    for (const [type, object] of batch) {
      if (failed || signal?.aborted) return;
      try {
        onEvent(type, object);
      } catch (error) {
        failed = { error };
        stop.abort();
      }
    }
  };
  try {
    await watch.run(
      {
        send(type, obj) {
          if (FREEZE_SHARED) deepFreeze(obj);
          if (queue.push([type, obj]) === 1) setImmediate(flush);
          return true;
        },
        end() {},
      },
      stop.signal,
    );
    // What the stream sent before it ended (its last bookmark, an ERROR event) still arrives.
    flush();
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failed) throw failed.error;
}
