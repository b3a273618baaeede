// Kubernetes strategic merge patch (what kubectl apply/edit/patch send as
// application/strategic-merge-patch+json). Semantics follow apimachinery's strategicpatch:
// - maps merge recursively; `null` deletes a key;
// - lists whose field is tagged patchStrategy=merge merge by patchMergeKey (upsert in place,
//   new items appended), or as a set for primitives; every other list is replaced whole;
// - directives: `$patch: replace|delete|merge` on a map, `{"$patch":"replace"}` and
//   `{"<key>":..,"$patch":"delete"}` elements in a merging list, `$retainKeys`,
//   `$deleteFromPrimitiveList/<f>` and `$setElementOrder/<f>`.
// Fields the schema does not know merge like a JSON merge patch (maps merge, lists replace).
import type { FieldInfo, SchemaNavigator } from '../openapi/navigator.ts';
import { PatchError } from './patch-error.ts';
import { deepEqual, getField, isObject, type Json, type JsonObject } from './json.ts';
import { childNode, fieldInfo, strategies, type SchemaNode } from './schema-node.ts';

export interface StrategicMergeOptions {
  /** Schema name of the patched object, e.g. `io.k8s.api.core.v1.Pod`. */
  schema: string;
  navigator: SchemaNavigator;
}

const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/** Returns the patched copy of `doc`; neither input is modified. Throws PatchError. */
export function applyStrategicMergePatch(doc: Json, patch: Json, opts: StrategicMergeOptions): Json {
  if (!isObject(patch)) throw new PatchError('strategic merge patch must be a JSON object', 400);
  const original = isObject(doc) ? structuredClone(doc) : {};
  return mergeMap(original, structuredClone(patch), { schema: opts.schema }, opts.navigator);
}

// Both arguments are private copies: this function may change them.
function mergeMap(original: JsonObject, patch: JsonObject, node: SchemaNode | undefined, nav: SchemaNavigator): JsonObject {
  const directive = getField(patch, '$patch');
  if (directive !== undefined) {
    delete patch['$patch'];
    if (directive === 'replace') return mergeMap({}, patch, node, nav);
    if (directive === 'delete') return {};
    if (directive !== 'merge') throw new PatchError(`Unknown patch type: ${JSON.stringify(directive)} in map: ${JSON.stringify(patch)}`);
  }

  const retain = getField(patch, '$retainKeys');
  if (retain !== undefined) {
    delete patch['$retainKeys'];
    if (!Array.isArray(retain)) throw new PatchError('$retainKeys must be a list of field names');
    for (const k of Object.keys(original)) if (!retain.includes(k)) delete original[k];
  }

  const orders = new Map<string, { order: Json[]; before: Json[] }>();
  for (const key of Object.keys(patch)) {
    const value = patch[key] as Json;
    if (key.startsWith(DELETE_PRIMITIVE)) {
      delete patch[key];
      const field = key.slice(DELETE_PRIMITIVE.length);
      const list = getField(original, field);
      if (!Array.isArray(value)) throw new PatchError(`${key} must be a list`);
      if (Array.isArray(list)) original[field] = list.filter((x) => !value.some((v) => deepEqual(v, x)));
    } else if (key.startsWith(SET_ORDER)) {
      delete patch[key];
      if (!Array.isArray(value)) throw new PatchError(`${key} must be a list`);
      const before = getField(original, key.slice(SET_ORDER.length));
      orders.set(key.slice(SET_ORDER.length), { order: value, before: Array.isArray(before) ? before : [] });
    }
  }

  for (const [key, pv] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new PatchError(`unknown patch directive: ${key}`);
    if (pv === null) {
      delete original[key];
      continue;
    }
    const info = fieldInfo(nav, node, key);
    const ov = getField(original, key);
    if (isObject(pv)) {
      original[key] = strategies(info).includes('replace')
        ? mergeMap({}, pv, childNode(info), nav)
        : mergeMap(isObject(ov) ? ov : {}, pv, childNode(info), nav);
    } else if (Array.isArray(pv)) {
      original[key] = mergeList(Array.isArray(ov) ? ov : [], pv, info, nav);
    } else {
      original[key] = pv;
    }
  }

  for (const [field, { order, before }] of orders) {
    const merged = getField(original, field);
    if (!Array.isArray(merged)) continue;
    const info = fieldInfo(nav, node, field);
    original[field] = reorder(merged, order, before, info?.patchMergeKey);
  }
  return original;
}

function mergeList(original: Json[], patch: Json[], info: FieldInfo | undefined, nav: SchemaNavigator): Json[] {
  const itemNode = childNode(info);
  const fresh = (x: Json): Json => (isObject(x) ? mergeMap({}, x, itemNode, nav) : x);
  if (!strategies(info).includes('merge')) return patch.map(fresh);

  if (!original.some(isObject) && !patch.some(isObject)) {
    const out: Json[] = [];
    for (const x of [...original, ...patch]) if (!out.some((y) => deepEqual(x, y))) out.push(x);
    return out;
  }

  const key = info?.patchMergeKey;
  if (!key) throw new PatchError(`cannot merge lists without merge key for ${info?.schema ?? 'field'}`);
  let base = original;
  const items: JsonObject[] = [];
  let replace = false;
  for (const x of patch) {
    if (!isObject(x)) throw new PatchError(`list items must be maps when merging by key ${key}: ${JSON.stringify(x)}`);
    const directive = getField(x, '$patch');
    if (directive === undefined) {
      items.push(x);
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'delete') {
      base = base.filter((o) => !(isObject(o) && deepEqual(getField(o, key), getField(x, key))));
    } else if (directive === 'merge') {
      throw new PatchError('merging lists cannot yet be specified in the patch');
    } else {
      throw new PatchError(`Unknown patch type: ${JSON.stringify(directive)} in map: ${JSON.stringify(x)}`);
    }
  }
  if (replace) return items.map(fresh);

  const out = [...base];
  for (const item of items) {
    const kv = getField(item, key);
    if (kv === undefined) throw new PatchError(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    const i = out.findIndex((o) => isObject(o) && deepEqual(getField(o, key), kv));
    const existing = out[i];
    if (i >= 0 && isObject(existing)) out[i] = mergeMap(existing, item, itemNode, nav);
    else out.push(mergeMap({}, item, itemNode, nav));
  }
  return out;
}

/**
 * `$setElementOrder`: items named in `order` come in that order; items only the server has keep
 * their place relative to the original list (merged in as apimachinery's mergeSortedSlice does).
 */
function reorder(merged: Json[], order: Json[], before: Json[], mergeKey: string | undefined): Json[] {
  const id = (x: Json | undefined): Json | undefined => (mergeKey && isObject(x) ? getField(x, mergeKey) : x);
  const indexIn = (list: Json[], x: Json): number => list.findIndex((y) => deepEqual(id(y), id(x)));
  const byIndex = (list: Json[]) => (a: Json, b: Json) => rank(indexIn(list, a)) - rank(indexIn(list, b));
  const listed = merged.filter((x) => indexIn(order, x) >= 0).sort(byIndex(order));
  const serverOnly = merged.filter((x) => indexIn(order, x) < 0).sort(byIndex(before));
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < listed.length || j < serverOnly.length) {
    const l = listed[i];
    const r = serverOnly[j];
    let takeListed: boolean;
    if (r === undefined) takeListed = true;
    else if (l === undefined) takeListed = false;
    else {
      const li = indexIn(before, l);
      const ri = indexIn(before, r);
      takeListed = li >= 0 && ri >= 0 && li < ri;
    }
    if (takeListed) out.push(listed[i++] as Json);
    else out.push(serverOnly[j++] as Json);
  }
  return out;
}

function rank(i: number): number {
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}
