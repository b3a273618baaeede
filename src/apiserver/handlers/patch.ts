// PATCH in its four flavours: RFC 6902 JSON patch, RFC 7396 merge patch, strategic merge patch
// (merge keys from the OpenAPI schemas) and server-side apply (managedFields, conflicts, creation
// of absent objects). Patches apply to the live object inside the store's CAS loop, so a lost race
// re-applies the patch to the newer object unless the patch itself pinned a resourceVersion.
import { ApiError, badRequest, unsupportedMediaType } from '../errors.ts';
import { decodeBody, mediaType, readBody } from '../http/body.ts';
import type { KObject } from '../registry/types.ts';
import { rfc3339 } from '../../api/index.ts';
import {
  applyJsonPatch,
  applyMergePatch,
  applyServerSide,
  applyStrategicMergePatch,
  applyConflictMessage,
  applyConflictCauses,
  PatchError,
  type Json,
} from '../patch/index.ts';
import { checkFieldValidation, checkKind } from './decode.ts';
import type { RequestScope } from '../context.ts';
import { sendWritten, warningHeaders, writeOptions } from './object-io.ts';

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

export async function servePatch(scope: RequestScope): Promise<void> {
  const type = mediaType(scope.req.headers['content-type']);
  if (!PATCH_TYPES.includes(type)) throw unsupportedMediaType(type);
  if (type === 'application/strategic-merge-patch+json' && scope.handle.entry.strategicMergePatch === false) {
    // Upstream's wording for custom resources, which have no Go struct tags to merge by.
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.filter((t) => t !== type).join(', ')}`,
    );
  }
  const body = decodeBody(await readBody(scope.req), type) as Json;
  if (type === 'application/apply-patch+yaml') return serveApply(scope, body);

  const { handle, info, ctx } = scope;
  const options = writeOptions(scope);
  let warnings: string[] = [];
  const { object } = await handle.store.guaranteedUpdate(
    info.namespace,
    info.name!,
    (live) => {
      let patched: Json;
      try {
        const doc = live as unknown as Json;
        if (type === 'application/json-patch+json') patched = applyJsonPatch(doc, body);
        else if (type === 'application/merge-patch+json') patched = applyMergePatch(doc, body);
        else patched = applyStrategicMergePatch(doc, body, { schema: handle.entry.schema, navigator: ctx.schemas.navigator });
      } catch (e) {
        if (e instanceof PatchError) throw new ApiError(422, 'Invalid', e.message);
        throw e;
      }
      const obj = checkKind(handle, patched);
      if (obj.metadata?.name !== info.name) {
        throw badRequest(`the name of the object (${obj.metadata?.name ?? ''}) does not match the name on the URL (${info.name})`);
      }
      warnings = checkFieldValidation(scope, obj);
      return obj;
    },
    { ...options, subresource: info.subresource },
  );
  sendWritten(scope, 200, object, warningHeaders(warnings));
}

async function serveApply(scope: RequestScope, body: Json): Promise<void> {
  const { handle, info, ctx, query } = scope;
  const { dryRun, fieldManager, user } = writeOptions(scope);
  if (!fieldManager) throw badRequest('PATCH request with apply patch type requires fieldManager');
  const applied = checkKind(handle, body);
  if (applied.apiVersion === undefined || applied.kind === undefined) {
    throw badRequest('apiVersion and kind must be set in an apply request');
  }
  const warnings = checkFieldValidation(scope, applied);
  if (applied.metadata?.name !== undefined && applied.metadata.name !== info.name) {
    throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${info.name})`);
  }
  const force = query.bool('force');
  const apply = (live: KObject | undefined): KObject => {
    const result = applyServerSide(live as Json | undefined, applied as unknown as Json, {
      manager: fieldManager,
      force,
      schema: handle.entry.schema,
      navigator: ctx.schemas.navigator,
      now: rfc3339(ctx.clock.now()),
      apiVersion: handle.store.apiVersion,
    });
    if (result.conflicts && result.conflicts.length > 0) {
      throw new ApiError(409, 'Conflict', applyConflictMessage(result.conflicts), {
        causes: applyConflictCauses(result.conflicts).map((c) => ({ reason: c.type, message: c.message, field: c.field })),
      });
    }
    return result.object as unknown as KObject;
  };

  let live: KObject | undefined;
  try {
    live = await handle.store.get(info.namespace, info.name!);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
  if (!live) {
    if (info.subresource) throw new ApiError(404, 'NotFound', `${handle.entry.resource} "${info.name}" not found`);
    const obj = apply(undefined);
    obj.metadata = { ...obj.metadata, name: info.name };
    const created = await handle.store.create(info.namespace, obj, { dryRun, user });
    sendWritten(scope, 201, created, warningHeaders(warnings));
    return;
  }
  const { object } = await handle.store.guaranteedUpdate(info.namespace, info.name!, (current) => apply(current), {
    dryRun,
    user,
    subresource: info.subresource,
  });
  sendWritten(scope, 200, object, warningHeaders(warnings));
}
