// The typed REST client every Peapod component uses to reach the API server (never storage).
// Calls are addressed by ResourceRef + namespace + name; failures throw ClientError with the
// server's metav1.Status. Requests are counted per verb and resource for benchmarks.

import type { IncomingMessage } from 'node:http';
import { readAll, realClock, SHARED_SHAPE, type Clock } from '../util/index.ts';
import { ClientError, statusFromCode, transportError } from './errors.ts';
import { JsonObjectSplitter } from './json-stream.ts';
import { collectionPath, objectPath } from './resources.ts';
import { createFailoverTransport, splitServers } from './failover-transport.ts';
import { createTransport, type TransportOptions } from './http-transport.ts';
import type { DeleteOptions, KubeObject, ObjectList, ResourceRef, Status, WatchEvent } from './types.ts';

export interface ClientOptions extends Omit<TransportOptions, 'clock'> {
  /** Used only for Retry-After waits; injectable for tests. */
  clock?: Clock;
  /**
   * Watches without HTTP: the API server's own in-process clients get their events from its watch
   * cache directly. The objects are then the server's shared ones: see Client.sharesWatchObjects.
   * Errors thrown with a metav1.Status (`status`) become ClientErrors, as from an HTTP reply.
   */
  inProcessWatch?: (ref: ResourceRef, ns: string | undefined, opts: WatchOptions, onEvent: (type: string, object: unknown) => void) => Promise<void>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ListOptions extends CallOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WriteOptions extends CallOptions {
  subresource?: string;
  fieldManager?: string;
  dryRun?: boolean;
}

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export interface PatchOptions extends WriteOptions {
  type: PatchType;
  /** Server-side apply only: take ownership of conflicting fields. */
  force?: boolean;
}

export interface WatchOptions extends CallOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  /** Server ends the stream after this long; the client gives up 30 s later if it does not. */
  timeoutSeconds?: number;
}

export interface RawOptions extends CallOptions {
  contentType?: string;
  accept?: string;
}

export interface ClientStats {
  /** API calls made (transparent retries of a 429 or a stale keep-alive socket are not counted again). */
  total: number;
  /** By Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection, raw. */
  byVerb: Record<string, number>;
  /** By `verb resource[/subresource]`, e.g. `create pods/binding`. */
  byResource: Record<string, number>;
}

export interface Client {
  readonly server: string;
  /**
   * Watch events carry objects shared with the API server's cache (an in-process client): strictly
   * read-only, and never changed in place (an informer keeps them as they come).
   */
  readonly sharesWatchObjects: boolean;
  get<T extends KubeObject = KubeObject>(ref: ResourceRef, ns: string | undefined, name: string, opts?: CallOptions): Promise<T>;
  list<T extends KubeObject = KubeObject>(ref: ResourceRef, ns?: string, opts?: ListOptions): Promise<ObjectList<T>>;
  create<T extends KubeObject = KubeObject>(ref: ResourceRef, ns: string | undefined, obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT to the object (or its subresource); the name comes from `obj.metadata.name`. */
  update<T extends KubeObject = KubeObject>(ref: ResourceRef, ns: string | undefined, obj: T, opts?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(ref: ResourceRef, ns: string | undefined, name: string, patch: unknown, opts: PatchOptions): Promise<T>;
  /** Returns the deleted object (pods, or anything with finalizers/grace) or a Success Status. */
  delete<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    ns: string | undefined,
    name: string,
    options?: DeleteOptions,
    opts?: CallOptions,
  ): Promise<T | Status>;
  deleteCollection(ref: ResourceRef, ns: string | undefined, opts?: ListOptions, options?: DeleteOptions): Promise<KubeObject>;
  /** POST to a subresource: pods/binding, pods/eviction, serviceaccounts/token... */
  post<R = KubeObject>(ref: ResourceRef, ns: string | undefined, name: string, subresource: string, body: unknown, opts?: CallOptions): Promise<R>;
  /**
   * Streams events to `onEvent` in order until the server ends the stream (resolves) or `signal`
   * aborts (resolves). ERROR events (e.g. 410 Expired) are delivered, not thrown; a non-200 reply
   * throws ClientError; a broken connection throws ClientError with code 0. If `onEvent` throws,
   * the stream is closed and the watch rejects with that error.
   */
  watch<T extends KubeObject = KubeObject>(ref: ResourceRef, ns: string | undefined, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void): Promise<void>;
  /** Any other request; JSON bodies are parsed, other content types return the text. */
  raw<R = unknown>(method: string, path: string, body?: unknown, opts?: RawOptions): Promise<R>;
  stats(): ClientStats;
  resetStats(): void;
  /** Closes idle keep-alive sockets and in-flight streams. */
  close(): void;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

function parseStatus(code: number, body: string): Status {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && (parsed as { kind?: unknown }).kind === 'Status') {
      const st = parsed as Status;
      return { ...st, code: st.code || code };
    }
  } catch {
    // not JSON: fall through
  }
  return statusFromCode(code, body);
}

function isWatchEvent(v: unknown): v is WatchEvent {
  if (!v || typeof v !== 'object') return false;
  const e = v as { type?: unknown; object?: unknown };
  return typeof e.type === 'string' && !!e.object && typeof e.object === 'object';
}

function nsOf(ns: string | undefined, obj: KubeObject): string | undefined {
  return ns || obj.metadata?.namespace || undefined;
}

export function createClient(options: ClientOptions): Client {
  // `server` may list several API servers (comma-separated): requests fail over between them.
  const servers = splitServers(options.server);
  const transportOptions = { ...options, server: servers[0] ?? options.server, clock: options.clock ?? realClock };
  const transport = servers.length > 1 ? createFailoverTransport(servers, transportOptions) : createTransport(transportOptions);
  let stats: ClientStats = { total: 0, byVerb: {}, byResource: {} };
  const count = (verb: string, what: string): void => {
    stats.total++;
    stats.byVerb[verb] = (stats.byVerb[verb] ?? 0) + 1;
    const k = `${verb} ${what}`;
    stats.byResource[k] = (stats.byResource[k] ?? 0) + 1;
  };

  async function call<R>(
    verb: string,
    what: string,
    req: { method: string; path: string; body?: unknown; contentType?: string; accept?: string; signal?: AbortSignal },
  ): Promise<R> {
    count(verb, what);
    const body = req.body === undefined || typeof req.body === 'string' || Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body);
    const res = await transport.send({ ...SHARED_SHAPE, ...req, body });
    if (res.code < 200 || res.code > 299) throw new ClientError(parseStatus(res.code, res.body));
    const type = res.headers['content-type'] ?? '';
    if (!res.body) return {} as R;
    if (verb === 'raw' && !type.includes('json')) return res.body as R;
    try {
      return JSON.parse(res.body) as R;
    } catch (err) {
      throw transportError(err, `${req.method} ${req.path}: invalid JSON reply`);
    }
  }

  const what = (ref: ResourceRef, sub?: string): string => (sub ? `${ref.resource}/${sub}` : ref.resource);

  async function consumeWatch<T extends KubeObject>(
    res: IncomingMessage,
    signal: AbortSignal | undefined,
    onEvent: (ev: WatchEvent<T>) => void,
  ): Promise<void> {
    const splitter = new JsonObjectSplitter();
    res.setEncoding('utf8');
    let handlerFailed = false;
    try {
      for await (const chunk of res) {
        for (const text of splitter.push(chunk as string)) {
          let ev: unknown;
          try {
            ev = JSON.parse(text);
          } catch (err) {
            throw transportError(err, 'watch: invalid event');
          }
          if (!isWatchEvent(ev)) continue;
          try {
            onEvent(ev as WatchEvent<T>);
          } catch (err) {
            handlerFailed = true;
            throw err;
          }
        }
      }
    } catch (err) {
      res.destroy();
      if (handlerFailed || err instanceof ClientError) throw err;
      if (signal?.aborted) return;
      throw transportError(err, 'watch stream');
    }
    if (splitter.partial && !signal?.aborted) throw transportError(new Error('stream ended mid-event'), 'watch stream');
  }

  const inProcessWatch = options.inProcessWatch;
  return {
    server: servers[0] ?? options.server,
    sharesWatchObjects: inProcessWatch !== undefined,
    get: async (ref, ns, name, opts) => call('get', what(ref), { method: 'GET', path: objectPath(ref, ns, name), signal: opts?.signal }),
    list: async (ref, ns, opts = {}) =>
      call('list', what(ref), {
        method: 'GET',
        signal: opts.signal,
        path:
          collectionPath(ref, ns) +
          query({
            labelSelector: opts.labelSelector,
            fieldSelector: opts.fieldSelector,
            limit: opts.limit,
            continue: opts.continue,
            resourceVersion: opts.resourceVersion,
            resourceVersionMatch: opts.resourceVersionMatch,
          }),
      }),
    create: async (ref, ns, obj, opts = {}) => {
      const n = nsOf(ns, obj);
      const q = query({ fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined });
      const path = opts.subresource ? objectPath(ref, n, obj.metadata?.name ?? '', opts.subresource) : collectionPath(ref, n);
      return call('create', what(ref, opts.subresource), { method: 'POST', path: path + q, body: obj, signal: opts.signal });
    },
    update: async (ref, ns, obj, opts = {}) =>
      call('update', what(ref, opts.subresource), {
        method: 'PUT',
        path:
          objectPath(ref, nsOf(ns, obj), obj.metadata?.name ?? '', opts.subresource) +
          query({ fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined }),
        body: obj,
        signal: opts.signal,
      }),
    patch: async (ref, ns, name, patch, opts) =>
      call('patch', what(ref, opts.subresource), {
        method: 'PATCH',
        path:
          objectPath(ref, ns, name, opts.subresource) +
          query({
            fieldManager: opts.fieldManager ?? (opts.type === 'apply' ? 'peapod' : undefined),
            force: opts.type === 'apply' && opts.force !== undefined ? opts.force : undefined,
            dryRun: opts.dryRun ? 'All' : undefined,
          }),
        body: patch,
        contentType: PATCH_CONTENT_TYPES[opts.type],
        signal: opts.signal,
      }),
    delete: async (ref, ns, name, options, opts) =>
      call('delete', what(ref), {
        method: 'DELETE',
        path: objectPath(ref, ns, name),
        body: options ? { apiVersion: 'v1', kind: 'DeleteOptions', ...options } : undefined,
        signal: opts?.signal,
      }),
    deleteCollection: async (ref, ns, opts = {}, options) =>
      call('deletecollection', what(ref), {
        method: 'DELETE',
        path: collectionPath(ref, ns) + query({ labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector }),
        body: options ? { apiVersion: 'v1', kind: 'DeleteOptions', ...options } : undefined,
        signal: opts.signal,
      }),
    post: async (ref, ns, name, subresource, body, opts) =>
      call('create', what(ref, subresource), {
        method: 'POST',
        path: objectPath(ref, ns, name, subresource),
        body,
        signal: opts?.signal,
      }),
    async watch(ref, ns, opts, onEvent) {
      if (opts.signal?.aborted) return;
      count('watch', what(ref));
      if (inProcessWatch) {
        try {
          return await inProcessWatch(ref, ns, opts, (type, object) => onEvent({ type, object } as WatchEvent<never>));
        } catch (e) {
          const status = (e as { status?: Status } | undefined)?.status;
          if (!(e instanceof ClientError) && status?.kind === 'Status') throw new ClientError(status);
          throw e;
        }
      }
      const path =
        collectionPath(ref, ns) +
        query({
          watch: 'true',
          resourceVersion: opts.resourceVersion,
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
          timeoutSeconds: opts.timeoutSeconds,
        });
      let res: IncomingMessage;
      try {
        res = await transport.open({
          method: 'GET',
          path,
          signal: opts.signal,
          stream: true,
          timeoutMs: opts.timeoutSeconds === undefined ? undefined : (opts.timeoutSeconds + 30) * 1000,
        });
      } catch (err) {
        if (opts.signal?.aborted) return;
        throw err;
      }
      if (res.statusCode !== 200) throw new ClientError(parseStatus(res.statusCode ?? 0, (await readAll(res)).toString('utf8')));
      await consumeWatch(res, opts.signal, onEvent);
    },
    raw: async (method, path, body, opts = {}) =>
      call('raw', method.toUpperCase(), {
        method,
        path,
        body,
        contentType: opts.contentType,
        accept: opts.accept,
        signal: opts.signal,
      }),
    stats: () => structuredClone(stats),
    resetStats() {
      stats = { total: 0, byVerb: {}, byResource: {} };
    },
    close: () => transport.close(),
  };
}
