// The API server: HTTPS always, bearer-token authentication, and a router for Kubernetes' path
// grammar in front of the generic store. Components (scheduler, controllers, agents) reach it only
// through this HTTP API, exactly as kubectl does.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import type { Backend } from '../storage/index.ts';
import type { ApiContext, ResourceHandle } from './context.ts';
import { pathNotFound, unauthorized } from './errors.ts';
import type { SubresourceHandler } from './handlers/subresources.ts';
import { parseRequestPath } from './http/request-info.ts';
import { sendJson, sendStatus, toApiError } from './http/respond.ts';
import { Query } from './http/query.ts';
import { serveDiscovery } from './handlers/discovery.ts';
import { serveResource, verbOf } from './handlers/resources.ts';
import { GenericStore, rfc3339, type AdmissionPlugin } from './store/generic-store.ts';
import type { StoreHooks } from './store/store-hooks.ts';
import { updateManagedFields, type Json } from './patch/index.ts';
import { WatchCache } from './watch/watch-cache.ts';
import { namespaceLifecycle } from './admission.ts';
import { createMetrics } from './metrics.ts';
import type { KObject, ResourceEntry, StrategyContext } from './registry/types.ts';
import { loadSchemas } from './openapi/schemas.ts';
import { unknownFields } from './openapi/unknown-fields.ts';
import { buildOpenApi } from './openapi/documents.ts';

export interface User {
  readonly name: string;
  readonly groups: readonly string[];
}

export interface ApiServerOptions {
  readonly backend: Backend;
  readonly resources: readonly ResourceEntry[];
  readonly tls: { cert: string; key: string };
  /** Maps an Authorization header to a user, or undefined (401). */
  readonly authenticate: (header: string | undefined) => User | undefined;
  readonly host?: string;
  readonly port?: number;
  readonly clock?: StrategyContext;
  readonly extraAdmission?: AdmissionPlugin[];
  readonly version?: { major: string; minor: string; gitVersion: string };
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Watch cache ring size (upstream --default-watch-cache-size; default 20,000 events). */
  readonly watchCacheSize?: number;
  /** Upstream --min-request-timeout (seconds, default 1800). */
  readonly minRequestTimeoutSeconds?: number;
  readonly bookmarkIntervalMs?: number;
  /** Handles upgrade requests (exec/attach/port-forward streams); 404 when absent. */
  readonly upgrade?: UpgradeHandler;
  /** Extra subresource handlers keyed `<group>/<resource>/<subresource>` (e.g. `/pods/log`). */
  readonly subresources?: ReadonlyMap<string, SubresourceHandler>;
  /** Write hooks keyed `<group>/<resource>` (e.g. `/services` for the ClusterIP allocator). */
  readonly storeHooks?: ReadonlyMap<string, StoreHooks>;
}

export interface ApiServer {
  readonly ctx: ApiContext;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export const VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.4-peapod', gitCommit: '', gitTreeState: 'clean', buildDate: '2026-11-28T00:00:00Z', goVersion: 'node', compiler: 'tsx', platform: 'linux/amd64' };

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const clock = options.clock ?? { now: () => new Date() };
  const watchCache = new WatchCache(options.backend, { capacity: options.watchCacheSize });
  await watchCache.start();
  const schemaSet = loadSchemas();
  const handles: ResourceHandle[] = [];
  const byGvr = new Map<string, ResourceHandle>();
  const byGr = new Map<string, ResourceHandle>();
  let namespaces: GenericStore | undefined;
  const admission: AdmissionPlugin[] = [namespaceLifecycle(() => namespaces!), ...(options.extraAdmission ?? [])];
  for (const entry of options.resources) {
    const store = new GenericStore(entry, {
      backend: options.backend,
      clock,
      admission,
      hooks: options.storeHooks?.get(`${entry.group}/${entry.resource}`),
      // Every write with a fieldManager records the fields it changed, as upstream does.
      managedFields: (old, obj, manager, subresource) =>
        updateManagedFields(old as unknown as Json | undefined, obj as unknown as Json, {
          manager,
          apiVersion: obj.apiVersion ?? entry.version,
          now: rfc3339(clock.now()),
          subresource,
          schema: entry.schema,
          navigator: schemaSet.navigator,
        }) as unknown as KObject,
    });
    const h = { entry, store };
    handles.push(h);
    byGvr.set(`${entry.group}/${entry.version}/${entry.resource}`, h);
    if (!byGr.has(`${entry.group}/${entry.resource}`)) byGr.set(`${entry.group}/${entry.resource}`, h);
    if (entry.group === '' && entry.resource === 'namespaces') namespaces = store;
  }
  const ctx: ApiContext = {
    clock,
    watchTuning: {
      minRequestTimeoutSeconds: options.minRequestTimeoutSeconds ?? 1800,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 10_000,
    },
    watchers: { count: 0 },
    watchCache,
    schemas: { navigator: schemaSet.navigator, unknownFields: (schema, obj) => unknownFields(schemaSet, schema, obj) },
    resource: (g, v, r) => byGvr.get(`${g}/${v}/${r}`),
    byGroupResource: (g, r) => byGr.get(`${g}/${r}`),
    resources: handles,
    subresources: options.subresources ?? new Map(),
  };
  const openapi = buildOpenApi(
    options.resources.map((e) => ({
      group: e.group,
      version: e.version,
      kind: e.kind,
      resource: e.resource,
      namespaced: e.namespaced,
      schema: e.schema,
      subresources: [...(e.hasStatus ? ['status'] : []), ...(e.subresources ?? []).map((s) => s.name)],
    })),
    { schemas: schemaSet },
  );
  const metrics = createMetrics();
  const version = { ...VERSION, ...(options.version ?? {}) };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'https://localhost');
    const info = parseRequestPath(url.pathname);
    const query = new Query(url.searchParams);
    let verb = (req.method ?? 'GET').toLowerCase();
    let resource = '';
    try {
      // Unauthenticated endpoints, as upstream's system:public-info-viewer allows.
      if (url.pathname === '/version' || url.pathname === '/version/') return sendJson(res, 200, version);
      if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return;
      }
      const user = options.authenticate(req.headers.authorization);
      if (!user) throw unauthorized();
      if (url.pathname === '/metrics') {
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
        return;
      }
      if (url.pathname === '/openapi/v3' || url.pathname === '/openapi/v3/') return sendJson(res, 200, openapi.root());
      if (url.pathname.startsWith('/openapi/v3/')) {
        const doc = openapi.document(url.pathname.slice('/openapi/v3/'.length));
        if (!doc) throw pathNotFound();
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(doc.body),
          ...(url.searchParams.get('hash') === doc.hash ? { 'Cache-Control': 'public, immutable' } : { 'Cache-Control': 'no-cache, private' }),
          Etag: `"${doc.hash}"`,
        });
        res.end(doc.body);
        return;
      }
      if (info.kind === 'group') return serveDiscovery(ctx, info, req, res);
      if (info.kind === 'resource') {
        const handle = ctx.resource(info.group, info.version, info.resource);
        if (!handle) throw pathNotFound();
        resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
        verb = verbOf(req.method ?? 'GET', info, query);
        return await serveResource({ ctx, handle, info, query, req, res });
      }
      throw pathNotFound();
    } catch (e) {
      const err = toApiError(e);
      if (err.code >= 500) options.log?.('request failed', { method: req.method, url: req.url, error: e instanceof Error ? e.stack : String(e) });
      sendStatus(res, err.status);
    } finally {
      const code = String(res.statusCode);
      if (verb !== 'watch') {
        metrics.requests.inc({ verb: verb.toUpperCase(), resource, code });
        metrics.latency.observe({ verb: verb.toUpperCase(), resource }, Number(process.hrtime.bigint() - started) / 1e9);
      } else {
        metrics.requests.inc({ verb: 'WATCH', resource, code });
      }
      metrics.watchers.set({ resource: '' }, ctx.watchers.count);
    }
  };

  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key, keepAliveTimeout: 65_000 }, (req, res) => {
    handler(req, res).catch((e: unknown) => {
      sendStatus(res, toApiError(e).status);
    });
  });
  server.requestTimeout = 0; // watches are long-running
  server.headersTimeout = 60_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    // Streaming upgrades (exec/attach/port-forward) go to the handler the caller installed.
    if (options.upgrade && options.authenticate(req.headers.authorization)) return options.upgrade(req, socket, ctx);
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 6443, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  return {
    ctx,
    port,
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    async close() {
      watchCache.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

export type UpgradeHandler = (req: IncomingMessage, socket: Socket, ctx: ApiContext) => void;
