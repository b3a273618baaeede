// The API server: HTTPS always (and, for the server's own components, plain HTTP on an owner-only
// Unix socket), bearer-token authentication, and a router for Kubernetes' path grammar in front of
// the generic store. Components (scheduler, controllers, agents) reach it only through this HTTP
// API, exactly as kubectl does.
import { createServer, type Server } from 'node:https';
import { createServer as createPlainServer, type IncomingMessage, type Server as PlainServer, type ServerResponse } from 'node:http';
import { chmodSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import type { Backend } from '../storage/index.ts';
import type { ApiContext, RequestScope } from './context.ts';
import { badRequest, pathNotFound, unauthorized } from './errors.ts';
import type { SubresourceHandler } from './handlers/subresources.ts';
import { BadPathError, parseRequestPath } from './http/request-info.ts';
import { sendJson, sendStatus, toApiError } from './http/respond.ts';
import { Query } from './http/query.ts';
import { serveDiscovery } from './handlers/discovery.ts';
import { serveResource, verbOf } from './handlers/resources.ts';
import { watchInProcess, type InProcessWatchOptions } from './handlers/watch.ts';
import { rfc3339 } from '../api/time.ts';
import { GenericStore, type AdmissionPlugin } from './store/generic-store.ts';
import type { StoreHooks } from './store/store-hooks.ts';
import { updateManagedFields, type Json } from './patch/index.ts';
import { WatchCache } from './watch/watch-cache.ts';
import { EVENTS_PREFIX, startEventTtl } from './event-ttl.ts';
import { openAdmissionReads } from './admission-reads.ts';
import { namespaceLifecycle } from './admission.ts';
import { createMetrics } from './metrics.ts';
import { goPlatform } from './platform.ts';
import type { KObject, ResourceEntry, StrategyContext } from './registry/types.ts';
import { loadSchemas } from './openapi/schemas.ts';
import { unknownFields } from './openapi/unknown-fields.ts';
import { dynamicOpenApi, LayeredSchemas } from './openapi/dynamic.ts';
import { ResourceRegistry } from './resource-registry.ts';
import { startCrdController } from './crd/crd-controller.ts';
import { limitRanger, resourceQuotaAdmission, type NamespaceLister } from './quota-admission.ts';
import { impersonate } from './auth/impersonation.ts';
import type { UserInfo } from './auth/tokens.ts';
import type { ServiceAccountTokens } from './auth/service-account-tokens.ts';
import { tokenRequestHandler } from './auth/token-request.ts';
import {
  escalationCheck,
  forbiddenError,
  isReview,
  nodeRestriction,
  serveReview,
  startAuthorization,
  type Attributes,
  type Authorization,
} from './authz/index.ts';
import { requestAttributes } from './authz/request-attributes.ts';
import { serviceAccountAdmission } from './serviceaccount-admission.ts';
import type { AuditLog } from './audit/audit-log.ts';
import { requestBodies } from './http/body.ts';
import type { Dashboard } from '../dashboard/index.ts';

export interface User {
  readonly name: string;
  readonly groups: readonly string[];
}

export interface ApiServerOptions {
  readonly backend: Backend;
  readonly resources: readonly ResourceEntry[];
  readonly tls: { cert: string; key: string; ca?: string };
  /** Maps an Authorization header to a user, or undefined (401). Used when authenticateRequest is absent. */
  readonly authenticate: (header: string | undefined) => User | undefined;
  /** The full authentication chain (client certificates, tokens, ServiceAccount JWTs). */
  readonly authenticateRequest?: (req: IncomingMessage) => Promise<UserInfo | undefined>;
  /** Node + RBAC authorization (peapod server); without it every authenticated user may do anything. */
  readonly authorization?: boolean;
  /** Issues ServiceAccount tokens (serviceaccounts/token); TokenRequest is 404 without it. */
  readonly serviceAccountTokens?: ServiceAccountTokens;
  /** Writes an audit event per request (--audit-log-path with --audit-policy-file). */
  readonly audit?: AuditLog;
  /** Non-resource handlers keyed by path, served after authorization (e.g. the node join endpoint). */
  readonly nonResourceHandlers?: ReadonlyMap<string, (req: IncomingMessage, res: ServerResponse, user: UserInfo) => Promise<void>>;
  readonly host?: string;
  readonly port?: number;
  /**
   * Also serve plain HTTP on this Unix socket (mode 0600) for the server's own in-process clients:
   * the same handler, authentication and authorization, without TLS's cost on either end.
   */
  readonly localSocket?: string;
  readonly clock?: StrategyContext;
  readonly extraAdmission?: AdmissionPlugin[];
  readonly version?: { major: string; minor: string; gitVersion: string };
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Watch cache ring size (upstream --default-watch-cache-size; default 20,000 events). */
  readonly watchCacheSize?: number;
  /** Upstream --event-ttl: Events are deleted this long after their last write (unset or 0: kept). */
  readonly eventTtlMs?: number;
  /** Upstream --min-request-timeout (seconds, default 1800). */
  readonly minRequestTimeoutSeconds?: number;
  readonly bookmarkIntervalMs?: number;
  /** Handles upgrade requests (exec/attach/port-forward streams); 404 when absent. */
  readonly upgrade?: UpgradeHandler;
  /** Resources served by their own handler, keyed `<group>/<version>/<resource>` (metrics.k8s.io). */
  readonly resourceHandlers?: ReadonlyMap<string, (scope: RequestScope) => Promise<void>>;
  /** Extra subresource handlers keyed `<group>/<resource>/<subresource>` (e.g. `/pods/log`). */
  readonly subresources?: ReadonlyMap<string, SubresourceHandler>;
  /** Write hooks keyed `<group>/<resource>` (e.g. `/services` for the ClusterIP allocator). */
  readonly storeHooks?: ReadonlyMap<string, StoreHooks>;
  /** The web dashboard's static files under /ui/, served without authentication (they hold no data). */
  readonly dashboard?: Dashboard;
}

export interface ApiServer {
  readonly ctx: ApiContext;
  readonly port: number;
  readonly url: string;
  /** Watches from inside this process, with the watch cache's shared objects (see watchInProcess). */
  watchInProcess(
    ref: { readonly group: string; readonly version: string; readonly resource: string },
    namespace: string | undefined,
    opts: InProcessWatchOptions,
    onEvent: (type: string, object: unknown) => void,
  ): Promise<void>;
  close(): Promise<void>;
}

/** Event writes kept for resuming Event watchers (`kubectl get events -w`), apart from the shared ring. */
const EVENTS_WATCH_CACHE_SIZE = 1000;

export const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4-peapod',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '2026-11-28T00:00:00Z',
  goVersion: 'node',
  compiler: 'tsx',
  platform: goPlatform(),
};

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const clock = options.clock ?? { now: () => new Date() };
  // Events get a small ring of their own (upstream keeps none for them): their churn must not push
  // pods' and nodes' history out of the shared one.
  const watchCache = new WatchCache(options.backend, { capacity: options.watchCacheSize, separateRings: new Map([[EVENTS_PREFIX, EVENTS_WATCH_CACHE_SIZE]]) });
  await watchCache.start();
  const schemas = new LayeredSchemas(loadSchemas());
  // Admission reads the namespace, its LimitRanges and ResourceQuotas and the PriorityClasses on
  // every create: from memory.
  const cachesAbort = new AbortController();
  const admissionReads = await openAdmissionReads((g, r) => registry.byGroupResource(g, r), {
    backend: options.backend,
    watchCache,
    signal: cachesAbort.signal,
  });
  const lister: NamespaceLister = (g, r, ns) => admissionReads.list(g, r, ns);
  let authz: Authorization | undefined;
  const admission: AdmissionPlugin[] = [
    namespaceLifecycle((name) => admissionReads.get('', 'namespaces', undefined, name)),
    // Identity admission: ServiceAccount defaulting and token volume, NodeRestriction, RBAC escalation.
    serviceAccountAdmission(() => registry.byGroupResource('', 'serviceaccounts')?.store),
    ...(options.authorization ? [nodeRestriction(), escalationCheck(() => authz)] : []),
    limitRanger(lister),
    resourceQuotaAdmission(lister, clock),
    ...(options.extraAdmission ?? []),
  ];
  const registry = new ResourceRegistry(
    (entry) =>
      new GenericStore(entry, {
        backend: options.backend,
        clock,
        admission,
        hooks: options.storeHooks?.get(`${entry.group}/${entry.resource}`),
        objects: watchCache.objects,
        // Every write with a fieldManager records the fields it changed, as upstream does.
        managedFields: (old, obj, manager, subresource) =>
          updateManagedFields(old as unknown as Json | undefined, obj as unknown as Json, {
            manager,
            apiVersion: obj.apiVersion ?? entry.version,
            now: rfc3339(clock.now()),
            subresource,
            schema: entry.schema,
            navigator: schemas.navigator,
          }) as unknown as KObject,
      }),
  );
  // Entries that bring their own schemas (custom resources) layer them over the built-in set.
  registry.onChange(() => schemas.update(registry.all.map((h) => h.entry)));
  for (const entry of options.resources) registry.add(entry);
  const ctx: ApiContext = {
    clock,
    watchTuning: {
      minRequestTimeoutSeconds: options.minRequestTimeoutSeconds ?? 1800,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 10_000,
    },
    watchers: { count: 0, byResource: new Map() },
    watchCache,
    admissionReads,
    schemas: { navigator: schemas.navigator, unknownFields: (schema, obj) => unknownFields(schemas.current, schema, obj) },
    resource: (g, v, r) => registry.get(g, v, r),
    byGroupResource: (g, r) => registry.byGroupResource(g, r),
    get resources() {
      return registry.all;
    },
    registry,
    subresources: new Map([
      ...(options.serviceAccountTokens ? ([['/serviceaccounts/token', tokenRequestHandler(options.serviceAccountTokens)]] as const) : []),
      ...(options.subresources ?? new Map()),
    ]),
    resourceHandlers: options.resourceHandlers ?? new Map(),
  };
  const lifetime = new AbortController();
  if (options.authorization) authz = await startAuthorization(ctx, lifetime.signal);
  if (options.eventTtlMs) {
    await startEventTtl({ backend: options.backend, watchCache, ttlMs: options.eventTtlMs, signal: lifetime.signal, log: options.log });
  }
  const authenticate = async (req: IncomingMessage): Promise<UserInfo | undefined> =>
    options.authenticateRequest ? options.authenticateRequest(req) : options.authenticate(req.headers.authorization);
  const authorize = async (a: Attributes): Promise<void> => {
    if (!authz) return;
    const d = await authz.authorize(a);
    if (!d.allowed) throw forbiddenError(a, d.reason);
  };
  /** authn -> impersonation -> authz; resolves to the user the request acts as. */
  /** What the audit log needs to know of a request once authentication has run. */
  const audited = new WeakMap<IncomingMessage, { attributes: Attributes; authenticatedAs: UserInfo }>();
  const admit = async (req: IncomingMessage, url: URL, info: ReturnType<typeof parseRequestPath>, upgrade: boolean): Promise<UserInfo> => {
    const authenticated = await authenticate(req);
    if (!authenticated) throw unauthorized();
    const user = authz ? await impersonate(req, authenticated, (a) => authz!.authorize(a)) : authenticated;
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    let attributes = requestAttributes(user, req.method ?? 'GET', info, url.pathname, watch, upgrade);
    // A list or watch narrowed to one name by `metadata.name=` is authorized as that name, as upstream.
    const only = /^metadata\.name=([^,]+)$/.exec(url.searchParams.get('fieldSelector') ?? '');
    if (only && (attributes.verb === 'list' || attributes.verb === 'watch')) attributes = { ...attributes, name: only[1] };
    audited.set(req, { attributes, authenticatedAs: authenticated });
    await authorize(attributes);
    return user;
  };
  const auditRequest = (req: IncomingMessage, code: number, received: Date): void => {
    const seen = audited.get(req);
    if (!options.audit || !seen) return;
    options.audit.record({
      ...seen,
      requestURI: req.url ?? '/',
      // No address: the local socket's in-process clients, which upstream's loopback client is.
      sourceIP: req.socket.remoteAddress ?? '127.0.0.1',
      userAgent: req.headers['user-agent'],
      code,
      received,
      requestBody: requestBodies.get(req),
    });
  };
  const openapi = dynamicOpenApi(registry, schemas);
  const crdHandle = registry.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  const crdController = crdHandle ? await startCrdController(crdHandle.store, { registry, watchCache, clock, log: options.log }) : undefined;
  const metrics = createMetrics({ longRunning: ctx.watchers.byResource });
  const version = { ...VERSION, ...(options.version ?? {}) };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const received = new Date();
    const url = new URL(req.url ?? '/', 'https://localhost');
    const query = new Query(url.searchParams);
    let verb = (req.method ?? 'GET').toLowerCase();
    let resource = '';
    try {
      // The raw path, not the WHATWG-normalised one: `x/%2e%2e` must not become the parent.
      const info = parsePath(req.url ?? '/');
      // Unauthenticated endpoints, as upstream's system:public-info-viewer allows.
      if (url.pathname === '/version' || url.pathname === '/version/') return sendJson(res, 200, version);
      if (options.dashboard?.serve(req, res, url.pathname)) return;
      if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return;
      }
      const user = await admit(req, url, info, false);
      await dispatch(req, res, url, info, query, user, (v, r) => {
        verb = v;
        resource = r;
      });
    } catch (e) {
      const err = toApiError(e);
      if (err.code >= 500) options.log?.('request failed', { method: req.method, url: req.url, error: e instanceof Error ? e.stack : String(e) });
      sendStatus(res, err.status);
    } finally {
      const code = String(res.statusCode);
      if (verb === 'watch') res.once('close', () => auditRequest(req, res.statusCode, received));
      else auditRequest(req, res.statusCode, received);
      if (verb !== 'watch') {
        metrics.requests.inc({ verb: verb.toUpperCase(), resource, code });
        metrics.latency.observe({ verb: verb.toUpperCase(), resource }, Number(process.hrtime.bigint() - started) / 1e9);
      } else {
        metrics.requests.inc({ verb: 'WATCH', resource, code });
      }
    }
  };

  /** Serves an authenticated, authorized request. */
  const dispatch = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    info: ReturnType<typeof parseRequestPath>,
    query: Query,
    user: UserInfo,
    label: (verb: string, resource: string) => void,
  ): Promise<void> => {
    {
      const extra = options.nonResourceHandlers?.get(url.pathname);
      if (extra && info.kind === 'other') return extra(req, res, user);
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
        if (authz && isReview(info)) {
          label('create', info.resource);
          return serveReview(req, res, info, {
            user,
            authz,
            now: clock.now(),
            authenticateToken: (token) => authenticate({ headers: { authorization: `Bearer ${token}` }, socket: {} } as IncomingMessage),
          });
        }
        const handle = ctx.resource(info.group, info.version, info.resource);
        if (!handle) throw pathNotFound();
        label(verbOf(req.method ?? 'GET', info, query), info.subresource ? `${info.resource}/${info.subresource}` : info.resource);
        return await serveResource({ ctx, handle, info, query, req, res, user });
      }
      throw pathNotFound();
    }
  };

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    handler(req, res).catch((e: unknown) => {
      sendStatus(res, toApiError(e).status);
    });
  };
  const onUpgrade = (req: IncomingMessage, socket: Socket): void => {
    // Streaming upgrades (exec/attach/port-forward) go to the handler the caller installed, after
    // the same authentication and authorization as every other request.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://localhost');
    Promise.resolve()
      .then(() => admit(req, url, parsePath(req.url ?? '/'), true))
      .then(
        () => {
          if (options.upgrade) return options.upgrade(req, socket, ctx);
          socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        },
        (e: unknown) => {
          const err = toApiError(e);
          const body = JSON.stringify(err.status);
          socket.end(
            `HTTP/1.1 ${err.code} ${err.status.reason ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          );
        },
      );
  };
  const sockets = new Set<Socket>();
  const prepare = (s: Server | PlainServer): void => {
    s.requestTimeout = 0; // watches are long-running
    s.headersTimeout = 60_000;
    s.on('connection', (c: Socket) => {
      sockets.add(c);
      c.on('close', () => sockets.delete(c));
    });
    s.on('upgrade', onUpgrade);
  };
  // Client certificates are requested, never required: Node checks any offered chain against the
  // CA (socket.authorized) and the x509 authenticator reads CN/O from it.
  const server: Server = createServer(
    {
      cert: options.tls.cert,
      key: options.tls.key,
      ...(options.tls.ca ? { ca: options.tls.ca, requestCert: true, rejectUnauthorized: false } : {}),
      keepAliveTimeout: 65_000,
    },
    serve,
  );
  prepare(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 6443, options.host ?? '127.0.0.1', () => resolve());
  });
  let local: PlainServer | undefined;
  if (options.localSocket) {
    const path = options.localSocket;
    local = createPlainServer({ keepAliveTimeout: 65_000 }, serve);
    prepare(local);
    // A socket file left by a server that was killed would make listen fail with EADDRINUSE.
    rmSync(path, { force: true });
    await new Promise<void>((resolve, reject) => {
      local!.once('error', reject);
      local!.listen(path, () => resolve());
    });
    chmodSync(path, 0o600);
  }
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  return {
    ctx,
    port,
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    watchInProcess: (ref, namespace, opts, onEvent) => watchInProcess(ctx, ref, namespace, opts, onEvent),
    async close() {
      crdController?.stop();
      lifetime.abort();
      cachesAbort.abort();
      watchCache.stop();
      const closed = [server, local].map((s) => new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve())));
      for (const s of sockets) s.destroy();
      await Promise.all(closed);
    },
  };
}

export type UpgradeHandler = (req: IncomingMessage, socket: Socket, ctx: ApiContext) => void;

/** parseRequestPath of a request URL's raw path; malformed escapes are 400, dot segments 404. */
function parsePath(rawUrl: string): ReturnType<typeof parseRequestPath> {
  const path = rawUrl.split('?', 1)[0] ?? '/';
  try {
    return parseRequestPath(path);
  } catch (e) {
    if (!(e instanceof BadPathError)) throw e;
    if (e.message.startsWith('invalid URL escape')) throw badRequest(e.message);
    throw pathNotFound();
  }
}
