// A tiny in-memory Kubernetes-ish API server for the client's own tests: list with limit/continue,
// watch streams with history replay, bookmarks, 410 for compacted revisions, CRUD with
// resourceVersion conflicts and metav1.Status errors. Not a conformance target — only what the
// client exercises.

import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../types.ts';

interface Stored {
  collection: string;
  obj: KubeObject;
}
interface HistoryEntry {
  rv: number;
  collection: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: KubeObject;
}
interface Watcher {
  collection: string;
  res: http.ServerResponse;
  bookmarks: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface FakeApiServer {
  url: string;
  requests: RequestRecord[];
  /** Objects by `collectionPath/name`. */
  objects: Map<string, Stored>;
  rv(): number;
  /** Stores an object as if created through the API (emits ADDED). */
  put(collection: string, obj: KubeObject): KubeObject;
  /** Deletes without going through HTTP (emits DELETED). */
  remove(collection: string, name: string): void;
  /** Forgets history up to now: watches from older RVs get a 410 ERROR event. */
  compact(): void;
  /** Makes the next `n` requests matching `method` and `pathPrefix` fail with `code`. */
  failNext(method: string, pathPrefix: string, code: number, n?: number): void;
  /** Ends every open watch stream (as a server restart or timeout would). */
  closeWatches(): void;
  sendBookmark(): void;
  watchers(): number;
  close(): Promise<void>;
}

const status = (code: number, reason: string, message: string): object => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  reason,
  message,
  code,
});

/** `/api/v1/pods` (all namespaces) includes `/api/v1/namespaces/x/pods`. */
function inCollection(stored: string, requested: string): boolean {
  if (stored === requested) return true;
  const m = /^(.*)\/namespaces\/[^/]+\/([^/]+)$/.exec(stored);
  return !!m && `${m[1]}/${m[2]}` === requested;
}

function matches(obj: KubeObject, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return obj.metadata?.labels?.[k ?? ''] === v;
  });
}

export async function startFakeApiServer(opts: { token?: string; tls?: { cert: string; key: string } } = {}): Promise<FakeApiServer> {
  let rv = 100;
  let compactedRV = 0;
  const objects = new Map<string, Stored>();
  const history: HistoryEntry[] = [];
  const watchers = new Set<Watcher>();
  const requests: RequestRecord[] = [];
  const failures: { method: string; prefix: string; code: number; n: number }[] = [];

  function record(collection: string, type: HistoryEntry['type'], obj: KubeObject): void {
    history.push({ rv, collection, type, obj });
    for (const w of watchers) if (inCollection(collection, w.collection)) w.res.write(JSON.stringify({ type, object: obj }) + '\n');
  }

  function put(collection: string, obj: KubeObject): KubeObject {
    const name = obj.metadata?.name ?? '';
    const key = `${collection}/${name}`;
    const existed = objects.has(key);
    rv++;
    const stored: KubeObject = {
      ...obj,
      metadata: {
        ...obj.metadata,
        uid: obj.metadata?.uid ?? objects.get(key)?.obj.metadata?.uid ?? `uid-${rv}`,
        resourceVersion: String(rv),
      },
    };
    objects.set(key, { collection, obj: stored });
    record(collection, existed ? 'MODIFIED' : 'ADDED', stored);
    return stored;
  }

  function remove(collection: string, name: string): KubeObject | undefined {
    const key = `${collection}/${name}`;
    const s = objects.get(key);
    if (!s) return undefined;
    objects.delete(key);
    rv++;
    const last = { ...s.obj, metadata: { ...s.obj.metadata, resourceVersion: String(rv) } };
    record(collection, 'DELETED', last);
    return last;
  }

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: u.pathname, query: u.searchParams, headers: req.headers, body });
      const send = (code: number, payload: object): void => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
      const f = failures.find((x) => x.method === req.method && u.pathname.startsWith(x.prefix) && x.n > 0);
      if (f) {
        f.n--;
        return send(f.code, status(f.code, f.code === 410 ? 'Expired' : 'InternalError', `injected ${f.code}`));
      }
      // /api/v1[/namespaces/ns]/res[/name[/sub]] or /apis/g/v/...
      const parts = u.pathname.split('/').filter(Boolean);
      const baseLen = parts[0] === 'api' ? 2 : 3;
      let rest = parts.slice(baseLen);
      let prefix = parts.slice(0, baseLen);
      if (rest[0] === 'namespaces' && rest.length >= 3) {
        prefix = [...prefix, ...rest.slice(0, 2)];
        rest = rest.slice(2);
      }
      const collection = '/' + [...prefix, rest[0] ?? ''].join('/');
      const name = rest[1] ? decodeURIComponent(rest[1]) : undefined;
      const sub = rest[2];
      const resource = rest[0] ?? '';
      const key = `${collection}/${name ?? ''}`;
      const notFound = (): void => send(404, { ...status(404, 'NotFound', `${resource} "${name}" not found`), details: { name, kind: resource } });

      if (req.method === 'GET' && !name && u.searchParams.get('watch') === 'true') {
        const from = Number(u.searchParams.get('resourceVersion') || '0');
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        res.flushHeaders();
        if (from && from < compactedRV) {
          res.end(JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${compactedRV})`) }) + '\n');
          return;
        }
        for (const h of history) if (h.rv > from && inCollection(h.collection, collection)) res.write(JSON.stringify({ type: h.type, object: h.obj }) + '\n');
        const w: Watcher = { collection, res, bookmarks: u.searchParams.get('allowWatchBookmarks') === 'true' };
        watchers.add(w);
        const t = Number(u.searchParams.get('timeoutSeconds') || '0');
        const timer = t ? setTimeout(() => res.end(), t * 1000) : undefined;
        res.on('close', () => {
          watchers.delete(w);
          if (timer) clearTimeout(timer);
        });
        return;
      }
      if (req.method === 'GET' && !name) {
        const all = [...objects.values()]
          .filter((s) => inCollection(s.collection, collection) && matches(s.obj, u.searchParams.get('labelSelector')))
          .map((s) => s.obj)
          .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
        const limit = Number(u.searchParams.get('limit') || '0');
        const cont = u.searchParams.get('continue');
        let start = 0;
        let listRV = rv;
        if (cont) {
          const [offset, atRV] = cont.split(':').map(Number);
          if ((atRV ?? 0) < compactedRV) return send(410, status(410, 'Expired', 'The provided continue parameter is too old'));
          start = offset ?? 0;
          listRV = atRV ?? rv;
        }
        const end = limit ? start + limit : all.length;
        const more = end < all.length;
        return send(200, {
          kind: 'List',
          apiVersion: 'v1',
          metadata: { resourceVersion: String(listRV), ...(more ? { continue: `${end}:${listRV}`, remainingItemCount: all.length - end } : {}) },
          items: all.slice(start, end),
        });
      }
      if (req.method === 'GET') {
        const s = objects.get(key);
        return s ? send(200, s.obj) : notFound();
      }
      if (req.method === 'POST' && !name) {
        const obj = JSON.parse(body) as KubeObject;
        const n = obj.metadata?.name ?? '';
        if (objects.has(`${collection}/${n}`)) return send(409, status(409, 'AlreadyExists', `${resource} "${n}" already exists`));
        const ns = prefix[prefix.length - 2] === 'namespaces' ? prefix[prefix.length - 1] : undefined;
        return send(201, put(collection, { ...obj, metadata: { ...obj.metadata, ...(ns ? { namespace: ns } : {}) } }));
      }
      if (req.method === 'POST' && sub) {
        if (!objects.has(key)) return notFound();
        return send(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201, details: { sub, body: JSON.parse(body) as unknown } });
      }
      if (req.method === 'PUT') {
        const s = objects.get(key);
        if (!s) return notFound();
        const obj = JSON.parse(body) as KubeObject;
        const want = obj.metadata?.resourceVersion;
        if (want && want !== s.obj.metadata?.resourceVersion)
          return send(
            409,
            status(
              409,
              'Conflict',
              `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            ),
          );
        return send(200, put(collection, obj));
      }
      if (req.method === 'PATCH') {
        const s = objects.get(key);
        if (!s) return notFound();
        const patch = JSON.parse(body) as Record<string, unknown>;
        return send(200, put(collection, { ...s.obj, ...patch, metadata: s.obj.metadata }));
      }
      if (req.method === 'DELETE' && name) {
        const last = remove(collection, name);
        return last ? send(200, last) : notFound();
      }
      send(405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
    });
  };
  const server = opts.tls ? https.createServer(opts.tls, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    objects,
    rv: () => rv,
    put,
    remove: (c, n) => void remove(c, n),
    compact() {
      compactedRV = rv;
      history.length = 0;
    },
    failNext(method, prefix, code, n = 1) {
      failures.push({ method, prefix, code, n });
    },
    closeWatches() {
      for (const w of watchers) w.res.end();
      watchers.clear();
    },
    sendBookmark() {
      for (const w of watchers)
        if (w.bookmarks)
          w.res.write(JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(rv) } } }) + '\n');
    },
    watchers: () => watchers.size,
    async close() {
      for (const w of watchers) w.res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
