// Turning a decoded body into an object of the resource being addressed: kind/apiVersion checks,
// and field validation (Strict -> 400, Warn -> Warning headers, Ignore) against the OpenAPI schema.
// Unknown fields are always dropped, as decoding into upstream's typed structs drops them.
import { badRequest } from '../errors.ts';
import type { ResourceHandle } from '../context.ts';
import type { KObject } from '../registry/types.ts';
import type { RequestScope } from '../context.ts';

export function checkKind(handle: ResourceHandle, body: unknown): KObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
  }
  const obj = body as KObject;
  const expected = handle.store.apiVersion;
  if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
    throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`);
  }
  if (obj.kind !== undefined && obj.kind !== handle.entry.kind) {
    // Upstream decodes the body as its own kind, then fails to convert it to the addressed one.
    const { kind, version } = handle.entry;
    const internal = handle.entry.group === '' ? 'core' : handle.entry.group.split('.')[0];
    throw badRequest(
      `${String(obj.kind)} in version "${version}" cannot be handled as a ${kind}: converting (${version}.${String(obj.kind)}) to (${internal}.${kind}): unknown conversion`,
    );
  }
  if (obj.metadata !== undefined && (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata))) {
    throw badRequest(
      `${handle.entry.kind} in version "${handle.entry.version}" cannot be handled as a ${handle.entry.kind}: json: cannot unmarshal ${typeof obj.metadata} into Go struct field ${handle.entry.kind}.metadata of type v1.ObjectMeta`,
    );
  }
  return obj;
}

/** Applies the request's fieldValidation directive; returns warnings to send. Mutates obj (prunes). */
export function checkFieldValidation(scope: RequestScope, obj: KObject): string[] {
  const mode = scope.query.str('fieldValidation') ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(mode)) {
    throw badRequest(`fieldValidation: Unsupported value: "${mode}": supported values: "Ignore", "Strict", "Warn"`);
  }
  const entry = scope.handle.entry;
  const unknown = scope.ctx.schemas.unknownFields(entry.schema, obj);
  if (unknown.length === 0) return [];
  if (mode === 'Strict') {
    const list = unknown.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ');
    throw badRequest(`${entry.kind} in version "${entry.version}" cannot be handled as a ${entry.kind}: strict decoding error: ${list}`);
  }
  for (const path of unknown) prunePath(obj, path);
  return mode === 'Warn' ? unknown.map((f) => `unknown field ${JSON.stringify(f)}`) : [];
}

/** Deletes `a.b[0].c` from obj if present. */
export function prunePath(obj: unknown, path: string): void {
  const segments: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return;
    if (m[1]) segments.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) segments.push(Number(idx[1]));
  }
  let cur: unknown = obj;
  for (let i = 0; i < segments.length - 1; i++) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<string | number, unknown>)[segments[i]!];
  }
  const last = segments[segments.length - 1];
  if (cur !== null && typeof cur === 'object' && last !== undefined && !Array.isArray(cur)) {
    delete (cur as Record<string | number, unknown>)[last];
  }
}
