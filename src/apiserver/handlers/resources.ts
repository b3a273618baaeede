// REST verbs on a resource: get, list, create, update, delete, deletecollection (+ watch and patch
// in their own files). A handler parses the request, calls the generic store, and writes the
// answer in the shape kubectl expects (objects, lists, Tables, Statuses).
import { ApiError, badRequest, methodNotAllowed, notAcceptable } from '../errors.ts';
import type { RequestScope } from '../context.ts';
import type { ResourceRequest } from '../http/request-info.ts';
import { decodeBody, readBody } from '../http/body.ts';
import type { Query } from '../http/query.ts';
import { negotiate, sendJson, sendJsonList } from '../http/respond.ts';
import type { DeleteOptions, KObject } from '../registry/types.ts';
import { parseIncludeObject, toTable } from './table.ts';
import { buildFieldMatcher, buildLabelMatcher } from './selectors.ts';
import { serveWatch } from './watch.ts';
import { servePatch } from './patch.ts';
import { serveSubresource } from './subresources.ts';
import { readObject, sendObject, sendShared, sendWritten, warningHeaders, writeOptions } from './object-io.ts';
import { SHARED_SHAPE } from '../../util/index.ts';

export function verbOf(method: string, info: ResourceRequest, query: Query): string {
  if (method === 'GET') return info.name ? 'get' : query.bool('watch') ? 'watch' : 'list';
  if (method === 'POST') return 'create';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'patch';
  if (method === 'DELETE') return info.name ? 'delete' : 'deletecollection';
  return method.toLowerCase();
}

export async function serveResource(scope: RequestScope): Promise<void> {
  const { info, req, handle, query } = scope;
  const method = req.method ?? 'GET';
  if (handle.entry.namespaced && info.namespace === undefined && info.name !== undefined) {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  if (!handle.entry.namespaced && info.namespace !== undefined) {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  if (info.subresource && info.subresource !== 'status') return serveSubresource(scope);
  if (info.subresource === 'status' && !handle.entry.hasStatus) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  const verb = verbOf(method, info, query);
  const allowed = handle.entry.verbs ?? ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
  if (!allowed.includes(verb) && !info.subresource) throw methodNotAllowed();
  const own = info.subresource ? undefined : scope.ctx.resourceHandlers.get(`${handle.entry.group}/${handle.entry.version}/${handle.entry.resource}`);
  if (own) return own(scope);
  switch (verb) {
    case 'get':
      return serveGet(scope);
    case 'list':
      return serveList(scope);
    case 'watch':
      return serveWatch(scope);
    case 'create':
      if (info.name) throw methodNotAllowed();
      return serveCreate(scope);
    case 'update':
      if (!info.name) throw methodNotAllowed();
      return serveUpdate(scope);
    case 'patch':
      if (!info.name) throw methodNotAllowed();
      return servePatch(scope);
    case 'delete':
      return serveDelete(scope);
    case 'deletecollection':
      return serveDeleteCollection(scope);
    default:
      throw methodNotAllowed();
  }
}

async function serveGet(scope: RequestScope): Promise<void> {
  sendShared(scope, await scope.handle.store.getShared(scope.info.namespace, scope.info.name!));
}

async function serveList(scope: RequestScope): Promise<void> {
  const { handle, query, info } = scope;
  const neg = negotiate(scope.req);
  // Shared objects: the items are only read (selectors, Table rows) and sent as encoded once.
  const result = await handle.store.listShared(info.namespace, {
    labelMatch: buildLabelMatcher(query.str('labelSelector')),
    fieldMatch: buildFieldMatcher(handle.entry, query.str('fieldSelector')),
    limit: query.int('limit'),
    continueToken: query.str('continue'),
    resourceVersion: query.str('resourceVersion'),
    resourceVersionMatch: query.str('resourceVersionMatch'),
  });
  if (neg.table) {
    const objects = result.items.map((s) => s.object);
    const { rows, ...table } = toTable(handle.entry, objects, scope.ctx.clock, {
      includeObject: parseIncludeObject(query.str('includeObject')),
      withColumns: true,
      resourceVersion: result.resourceVersion,
      continueToken: result.continueToken,
      remainingItemCount: result.remainingItemCount,
    });
    await sendJsonList(scope.res, table, 'rows', rows as unknown[]);
    return;
  }
  if (neg.tableOnly)
    throw notAcceptable('only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');
  const metadata: Record<string, unknown> = { resourceVersion: result.resourceVersion };
  if (result.continueToken) metadata.continue = result.continueToken;
  if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
  await sendJsonList(scope.res, { kind: handle.entry.listKind, apiVersion: handle.store.apiVersion, metadata }, 'items', result.items, {
    encode: (s) => s.json(),
  });
}

async function serveCreate(scope: RequestScope): Promise<void> {
  const { obj, warnings } = await readObject(scope);
  // The body was decoded for this request alone: the store may keep it rather than copy it.
  const created = await scope.handle.store.create(scope.info.namespace, obj, { ...SHARED_SHAPE, ...writeOptions(scope), ownsInput: true });
  sendWritten(scope, 201, created, warningHeaders(warnings));
}

async function serveUpdate(scope: RequestScope): Promise<void> {
  const { obj, warnings } = await readObject(scope);
  // A replacement must say what it is (upstream's decoder refuses a body without kind); otherwise
  // any JSON object would silently replace the stored one.
  if (obj.kind === undefined && obj.apiVersion === undefined) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(obj).slice(0, 200)}'`);
  const updated = await scope.handle.store.update(scope.info.namespace, scope.info.name!, obj, {
    ...SHARED_SHAPE,
    ...writeOptions(scope),
    subresource: scope.info.subresource,
    ownsInput: true,
  });
  sendWritten(scope, 200, updated, warningHeaders(warnings));
}

async function deleteOptions(scope: RequestScope): Promise<DeleteOptions> {
  const buf = await readBody(scope.req);
  let options: DeleteOptions = {};
  if (buf.length > 0 && buf.toString('utf8').trim() !== '') {
    const body = decodeBody(buf, scope.req.headers['content-type']);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('invalid DeleteOptions body');
    options = body as DeleteOptions;
  }
  const grace = scope.query.int('gracePeriodSeconds');
  if (grace !== undefined) options = { ...options, gracePeriodSeconds: grace };
  const policy = scope.query.str('propagationPolicy');
  if (policy !== undefined) options = { ...options, propagationPolicy: policy as DeleteOptions['propagationPolicy'] };
  if (options.propagationPolicy && !['Background', 'Foreground', 'Orphan'].includes(options.propagationPolicy)) {
    throw badRequest(`propagationPolicy: Unsupported value: "${options.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`);
  }
  if (options.gracePeriodSeconds !== undefined && options.gracePeriodSeconds < 0) options = { ...options, gracePeriodSeconds: 1 };
  return options;
}

async function serveDelete(scope: RequestScope): Promise<void> {
  const options = await deleteOptions(scope);
  const { handle, info } = scope;
  const { dryRun, user } = writeOptions(scope);
  const dry = dryRun || (options.dryRun ?? []).includes('All');
  const result = await handle.store.delete(info.namespace, info.name!, options, { dryRun: dry, user });
  if (!result.deleted) {
    sendWritten(scope, handle.entry.returnDeletedObject ? 200 : 202, result.object);
    return;
  }
  if (handle.entry.returnDeletedObject) {
    sendObject(scope, 200, result.object);
    return;
  }
  sendJson(scope.res, 200, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name: info.name,
      ...(handle.entry.group ? { group: handle.entry.group } : {}),
      kind: handle.entry.resource,
      uid: result.object.metadata?.uid,
    },
  });
}

async function serveDeleteCollection(scope: RequestScope): Promise<void> {
  const options = await deleteOptions(scope);
  const { handle, info, query } = scope;
  const { dryRun, user } = writeOptions(scope);
  const list = await handle.store.list(info.namespace, {
    labelMatch: buildLabelMatcher(query.str('labelSelector')),
    fieldMatch: buildFieldMatcher(handle.entry, query.str('fieldSelector')),
  });
  const deleted: KObject[] = [];
  for (const item of list.items) {
    try {
      const r = await handle.store.delete(item.metadata?.namespace, item.metadata?.name ?? '', options, { dryRun, user });
      deleted.push(r.object);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) continue;
      throw e;
    }
  }
  sendJson(scope.res, 200, {
    kind: handle.entry.listKind,
    apiVersion: handle.store.apiVersion,
    metadata: { resourceVersion: list.resourceVersion },
    items: deleted,
  });
}
