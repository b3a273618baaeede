// Request/response helpers every resource handler uses: reading and checking a body, the write
// options of a query (dryRun, fieldManager), sending one object (or its one-row Table) and
// warnings. Kept apart from the dispatcher (resources.ts) so handlers never import it.
import { badRequest } from '../errors.ts';
import type { RequestScope } from '../context.ts';
import { decodeBody, readBody } from '../http/body.ts';
import type { UserInfo } from '../auth/tokens.ts';
import { negotiate, sendJson, sendJsonText } from '../http/respond.ts';
import type { KObject } from '../registry/types.ts';
import type { SharedObject } from '../watch/object-cache.ts';
import { parseIncludeObject, toTable } from './table.ts';
import { checkFieldValidation, checkKind } from './decode.ts';

/** Sends one object, or a one-row Table when the client asked for Tables. */
export function sendObject(scope: RequestScope, code: number, obj: KObject, headers: Record<string, string> = {}): void {
  const neg = negotiate(scope.req);
  if (neg.table) {
    const table = toTable(scope.handle.entry, [obj], scope.ctx.clock, {
      includeObject: parseIncludeObject(scope.query.str('includeObject')),
      withColumns: true,
      resourceVersion: obj.metadata?.resourceVersion,
    });
    sendJson(scope.res, code, table, headers);
    return;
  }
  sendJson(scope.res, code, obj, headers);
}

/**
 * Sends an object a write returned: the encoding its watch event shares when the store still
 * holds it (encoded once for the response and every watcher), else as sendObject does.
 */
export function sendWritten(scope: RequestScope, code: number, obj: KObject, headers: Record<string, string> = {}): void {
  const shared = negotiate(scope.req).table ? undefined : scope.handle.store.sharedOf(obj);
  if (shared) sendJsonText(scope.res, code, shared.json(), headers);
  else sendObject(scope, code, obj, headers);
}

/** Sends a shared object: its encoding as is, or its one-row Table. */
export function sendShared(scope: RequestScope, shared: SharedObject): void {
  if (negotiate(scope.req).table) sendObject(scope, 200, shared.object);
  else sendJsonText(scope.res, 200, shared.json());
}

/** A write's options from its query (dryRun, fieldManager), and the user it acts as. */
export function writeOptions(scope: RequestScope): { dryRun: boolean; fieldManager: string | undefined; user: UserInfo } {
  const { query } = scope;
  const dryRun = query.all('dryRun');
  for (const d of dryRun) if (d !== 'All') throw badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  const fieldManager = query.str('fieldManager');
  if (fieldManager !== undefined && fieldManager.length > 128) {
    throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
  }
  return { dryRun: dryRun.length > 0, fieldManager, user: scope.user };
}

export async function readObject(scope: RequestScope): Promise<{ obj: KObject; warnings: string[] }> {
  const body = decodeBody(await readBody(scope.req), scope.req.headers['content-type'], { into: scope.handle.entry.kind });
  const obj = checkKind(scope.handle, body);
  const warnings = checkFieldValidation(scope, obj);
  return { obj, warnings };
}

export function warningHeaders(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}
