// RFC 7396 JSON merge patch: objects merge recursively, null deletes, everything else replaces.
import { isObject, getField, type Json, type JsonObject } from './json.ts';

/** Returns a new document; `doc` and `patch` are not modified and share nothing with the result. */
export function applyMergePatch(doc: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(doc) ? { ...doc } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(getField(out, k), v);
  }
  for (const k of Object.keys(out)) if (!Object.hasOwn(patch, k)) out[k] = structuredClone(out[k] as Json);
  return out;
}
