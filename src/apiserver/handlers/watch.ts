// Watch: a chunked stream of JSON lines {"type":..,"object":..}, fed by the watch cache.
// Selector-filtered watches turn a change that makes an object enter the selection into ADDED and
// one that makes it leave into DELETED, as upstream. Bookmarks are sent periodically when asked.
import { CompactedError } from '../../storage/index.ts';
import type { KObject } from '../registry/types.ts';
import { listPrefix } from '../store/codec.ts';
import { parseResourceVersion } from '../store/generic-store.ts';
import { negotiate } from '../http/respond.ts';
import type { CacheEvent } from '../watch/watch-cache.ts';
import { buildFieldMatcher, buildLabelMatcher } from './selectors.ts';
import { parseIncludeObject, toTable } from './table.ts';
import type { RequestScope } from '../context.ts';
import { longRunningKey } from '../metrics.ts';

/** Unread bytes a watcher may accumulate before the server closes its stream. */
const MAX_UNREAD_BYTES = 32 * 1024 * 1024;

export async function serveWatch(scope: RequestScope): Promise<void> {
  const { handle, query, res, req, ctx, info } = scope;
  const entry = handle.entry;
  const labelMatch = buildLabelMatcher(query.str('labelSelector'));
  const fieldMatch = buildFieldMatcher(entry, query.str('fieldSelector'));
  const matches = (obj: KObject | undefined): boolean =>
    obj !== undefined && (!labelMatch || labelMatch(obj.metadata?.labels)) && (!fieldMatch || fieldMatch(obj));
  const rvParam = query.str('resourceVersion');
  const bookmarks = query.bool('allowWatchBookmarks');
  const timeoutSeconds = query.int('timeoutSeconds') ?? ctx.watchTuning.minRequestTimeoutSeconds * (1 + Math.random());
  const sendInitial = query.str('sendInitialEvents') === 'true';
  const neg = negotiate(req);
  const includeObject = parseIncludeObject(query.str('includeObject'));
  let columnsSent = false;

  const abort = new AbortController();
  const signal = abort.signal;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  ctx.watchers.count++;
  const scopeLabel = info.name !== undefined ? 'resource' : info.namespace !== undefined ? 'namespace' : 'cluster';
  const metricKey = longRunningKey({ verb: 'WATCH', group: entry.group, version: entry.version, resource: entry.resource, scope: scopeLabel });
  ctx.watchers.byResource.set(metricKey, (ctx.watchers.byResource.get(metricKey) ?? 0) + 1);
  const finish = (timedOut = false) => {
    if (signal.aborted) return;
    // A last bookmark lets a client resume exactly where this stream ended.
    if (timedOut && bookmarks) bookmark();
    abort.abort();
    ctx.watchers.count--;
    const left = (ctx.watchers.byResource.get(metricKey) ?? 1) - 1;
    if (left > 0) ctx.watchers.byResource.set(metricKey, left);
    else ctx.watchers.byResource.delete(metricKey);
    clearTimeout(timer);
    clearInterval(bookmarkTimer);
    res.end();
  };
  res.on('close', () => finish());
  // A resource that stops being served (its CRD deleted or changed) ends its watches, as upstream.
  const unwatchRegistry = ctx.registry.onChange(() => {
    if (ctx.resource(entry.group, entry.version, entry.resource) !== handle) finish();
  });
  signal.addEventListener('abort', unwatchRegistry, { once: true });
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
    if (!neg.table) return obj;
    const t = toTable(entry, [obj], ctx.clock, { includeObject, withColumns: !columnsSent, resourceVersion: obj.metadata?.resourceVersion });
    columnsSent = true;
    return t;
  };
  const send = (type: string, obj: unknown, objectJson?: string) => {
    if (signal.aborted) return;
    // Byte for byte JSON.stringify({ type, object }), with the object's JSON encoded once per event.
    res.write(objectJson === undefined ? JSON.stringify({ type, object: obj }) + '\n' : `{"type":"${type}","object":${objectJson}}\n`);
    // A watcher that stops reading is closed rather than buffered without bound (as upstream's
    // cacher drops unresponsive watchers); the client re-watches from its last resourceVersion.
    if (res.writableLength > MAX_UNREAD_BYTES) finish();
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
    if (bookmarks) bookmark();
  }, ctx.watchTuning.bookmarkIntervalMs);

  // The event's shared encoding serves unless render() would change it (a Table, a version conversion).
  const asStored = (e: CacheEvent) => !neg.table && !((entry.convert || entry.convertApiVersion) && e.object.apiVersion !== handle.store.apiVersion);
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
    if (rvParam === undefined || rvParam === '' || rvParam === '0' || sendInitial) {
      // Synthetic ADDED events for the current state, then changes after the list's revision.
      const list = await handle.store.listShared(info.namespace, { labelMatch, fieldMatch });
      from = Number(list.resourceVersion);
      if (rvParam !== undefined && rvParam !== '' && rvParam !== '0' && sendInitial) {
        from = Math.max(from, parseResourceVersion(rvParam));
      }
      // Listed objects are served already (converted if needed): their encoding serves unless a Table is asked for.
      for (const item of list.items) {
        if (neg.table) send('ADDED', render(item.object));
        else send('ADDED', item.object, item.json());
      }
      lastRv = from;
      if (sendInitial && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    } else {
      from = parseResourceVersion(rvParam);
      lastRv = from;
    }
    await ctx.watchCache.subscribe(listPrefix(entry, info.namespace), from, onEvent, signal);
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
}
