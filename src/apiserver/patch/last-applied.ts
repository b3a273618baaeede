// Moving from client-side to server-side apply, as kube-apiserver's fieldmanager does for the field
// manager "kubectl" (what `kubectl apply --server-side` and `kubectl diff --server-side` send):
// - conflicts on fields whose live value still equals the one in the object's
//   `kubectl.kubernetes.io/last-applied-configuration` annotation are not conflicts: that user
//   applied them (client-side) before, so the server-side apply takes them over (lastAppliedManager);
// - after a successful apply, an existing annotation is rewritten to the newly applied
//   configuration, so a later client-side `kubectl apply` computes its patch from the right base
//   (lastAppliedUpdater). Other managers opt out of both by choosing another name.
import type { SchemaNavigator } from '../openapi/navigator.ts';
import { FieldSet } from './field-set.ts';
import { compareFields, toFieldSet } from './field-walk.ts';
import { isObject, type Json, type JsonObject } from './json.ts';
import { STRIPPED_PATHS } from './managed-fields.ts';
import type { SchemaNode } from './schema-node.ts';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** The only manager upgraded, as upstream. */
export const LAST_APPLIED_MANAGER = 'kubectl';
/** Upstream skips annotations over this size (the annotation limit is 256 KiB in total). */
const MAX_LAST_APPLIED_BYTES = 256 * 1024;

function annotationOf(obj: JsonObject): string | undefined {
  const meta = obj.metadata;
  const annotations = isObject(meta) ? meta.annotations : undefined;
  const v = isObject(annotations) ? annotations[LAST_APPLIED_ANNOTATION] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/**
 * Fields the live object's last-applied configuration sets to the values they still have: a
 * server-side apply by "kubectl" may take them from other managers without a conflict. Empty when
 * there is no (readable) annotation.
 */
export function fieldsStillAsLastApplied(live: JsonObject, node: SchemaNode, nav: SchemaNavigator): FieldSet {
  const text = annotationOf(live);
  if (text === undefined) return new FieldSet();
  let lastApplied: Json;
  try {
    lastApplied = JSON.parse(text) as Json;
  } catch {
    return new FieldSet();
  }
  if (!isObject(lastApplied)) return new FieldSet();
  const set = toFieldSet(lastApplied, node, nav).without(STRIPPED_PATHS);
  const c = compareFields(lastApplied, live, node, nav);
  return set.difference(c.modified).difference(c.added).difference(c.removed);
}

/**
 * `result` with its last-applied annotation set to `applied` (without that annotation), when the
 * live object had one. Go's unstructured JSON: keys sorted, one trailing newline.
 */
export function syncLastApplied(live: JsonObject, result: JsonObject, applied: JsonObject): JsonObject {
  if (annotationOf(live) === undefined) return result;
  const config = structuredClone(applied);
  const meta = isObject(config.metadata) ? config.metadata : undefined;
  if (meta && isObject(meta.annotations)) {
    delete meta.annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  const text = `${JSON.stringify(sortKeys(config))}\n`;
  if (Buffer.byteLength(text) > MAX_LAST_APPLIED_BYTES) return result;
  const out = structuredClone(result);
  const outMeta = isObject(out.metadata) ? out.metadata : (out.metadata = {});
  const annotations = isObject(outMeta.annotations) ? outMeta.annotations : (outMeta.annotations = {});
  annotations[LAST_APPLIED_ANNOTATION] = text;
  return out;
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys(v[k] as Json)]),
  );
}
