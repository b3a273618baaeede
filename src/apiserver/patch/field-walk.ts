// Schema-aware walks for server-side apply: which fields a value sets (toFieldSet), which fields
// differ between two values (compareFields), and list-item identities. Modeled on
// structured-merge-diff: scalars, atomic lists and atomic maps are leaves; items of map-lists
// and set-lists are members themselves; entries of free-form maps are members; fields of
// structs are not (so no `.` appears under `f:spec`).
import type { FieldInfo, SchemaNavigator } from '../openapi/navigator.ts';
import { deepEqual, getField, isObject, type Json, type JsonObject } from './json.ts';
import { FieldSet, type FieldPath } from './field-set.ts';
import { childNode, fieldInfo, listKind, type SchemaNode } from './schema-node.ts';

/** Values assumed for list-map key fields an item leaves out (defaulted upstream). */
const KEY_DEFAULTS: Readonly<Record<string, Json>> = { protocol: 'TCP' };

/** The FieldsV1 element naming `item` of a list of the given kind. */
export function itemElement(item: Json, info: FieldInfo | undefined, index: number): string {
  const kind = listKind(info);
  if (kind.kind === 'set') return `v:${JSON.stringify(item)}`;
  if (kind.kind === 'map' && isObject(item)) {
    const key: JsonObject = {};
    for (const k of [...kind.keys].sort()) {
      const v = getField(item, k) ?? KEY_DEFAULTS[k];
      if (v !== undefined) key[k] = v;
    }
    return `k:${JSON.stringify(key)}`;
  }
  return `i:${index}`;
}

/** Whether list `item` is the one named by a `k:`/`v:`/`i:` element (schema-free). */
export function itemMatches(item: Json, element: string, index: number): boolean {
  const body = element.slice(2);
  if (element.startsWith('v:')) return deepEqual(item, JSON.parse(body) as Json);
  if (element.startsWith('i:')) return Number(body) === index;
  if (!element.startsWith('k:') || !isObject(item)) return false;
  const key = JSON.parse(body) as JsonObject;
  return Object.entries(key).every(([k, v]) => deepEqual(getField(item, k) ?? KEY_DEFAULTS[k], v));
}

interface Walk {
  nav: SchemaNavigator;
}

function isLeaf(v: Json, info: FieldInfo | undefined): boolean {
  if (v === null) return true;
  if (Array.isArray(v)) return listKind(info).kind === 'atomic';
  if (isObject(v)) return info?.mapType === 'atomic';
  return true;
}

/** The fields `value` (an object of schema `node`) sets. */
export function toFieldSet(value: JsonObject, node: SchemaNode | undefined, nav: SchemaNavigator): FieldSet {
  const set = new FieldSet();
  walkObject(value, node, [], set, { nav });
  return set;
}

function walkObject(obj: JsonObject, node: SchemaNode | undefined, path: FieldPath, set: FieldSet, w: Walk): void {
  for (const [k, v] of Object.entries(obj)) {
    const info = fieldInfo(w.nav, node, k);
    const p = [...path, `f:${k}`];
    walkValue(v, info, p, set, w);
    if (v === null || (isObject(v) && Object.keys(v).length === 0) || node?.isMap) set.add(p);
  }
}

function walkValue(v: Json, info: FieldInfo | undefined, p: FieldPath, set: FieldSet, w: Walk): void {
  if (isLeaf(v, info)) {
    set.add(p);
  } else if (Array.isArray(v)) {
    v.forEach((item, i) => {
      const ip = [...p, itemElement(item, info, i)];
      set.add(ip);
      if (isObject(item) && listKind(info).kind === 'map') walkObject(item, childNode(info), ip, set, w);
    });
  } else if (isObject(v)) {
    walkObject(v, childNode(info), p, set, w);
  }
}

export interface FieldComparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** Fields added, changed and removed going from `before` to `after` (objects of schema `node`). */
export function compareFields(before: JsonObject, after: JsonObject, node: SchemaNode | undefined, nav: SchemaNavigator): FieldComparison {
  const c: FieldComparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareObjects(before, after, node, [], c, { nav });
  return c;
}

function compareObjects(
  l: JsonObject | undefined,
  r: JsonObject | undefined,
  node: SchemaNode | undefined,
  path: FieldPath,
  c: FieldComparison,
  w: Walk,
): void {
  const keys = new Set([...Object.keys(l ?? {}), ...Object.keys(r ?? {})]);
  for (const k of keys) {
    const info = fieldInfo(w.nav, node, k);
    compareValues(l && getField(l, k), r && getField(r, k), info, [...path, `f:${k}`], c, w, node?.isMap === true);
  }
}

function compareValues(
  l: Json | undefined,
  r: Json | undefined,
  info: FieldInfo | undefined,
  p: FieldPath,
  c: FieldComparison,
  w: Walk,
  isMember: boolean,
): void {
  if (l === undefined && r === undefined) return;
  const emptyish = (v: Json | undefined) => v === undefined || (isObject(v) && Object.keys(v).length === 0);
  const sameShape = l === undefined || r === undefined || Array.isArray(l) === Array.isArray(r);
  const present = [l, r].filter((v): v is Json => v !== undefined);
  const leaf = !sameShape || present.some((v) => isLeaf(v, info)) || (emptyish(l) && emptyish(r));
  if (leaf) {
    if (l === undefined) c.added.add(p);
    else if (r === undefined) c.removed.add(p);
    else if (!deepEqual(l, r)) c.modified.add(p);
    return;
  }
  if (Array.isArray(l) || Array.isArray(r)) {
    const items = new Map<string, { l?: Json; r?: Json }>();
    (Array.isArray(l) ? l : []).forEach((x, i) => items.set(itemElement(x, info, i), { l: x }));
    (Array.isArray(r) ? r : []).forEach((x, i) => {
      const e = itemElement(x, info, i);
      items.set(e, { ...items.get(e), r: x });
    });
    for (const [e, pair] of items) {
      const ip = [...p, e];
      if (listKind(info).kind === 'map' && (isObject(pair.l) || isObject(pair.r))) {
        compareObjects(isObject(pair.l) ? pair.l : undefined, isObject(pair.r) ? pair.r : undefined, childNode(info), ip, c, w);
      }
      if (pair.l === undefined) c.added.add(ip);
      else if (pair.r === undefined) c.removed.add(ip);
    }
  } else {
    compareObjects(isObject(l) ? l : undefined, isObject(r) ? r : undefined, childNode(info), p, c, w);
  }
  // A whole map or map entry appearing or going is recorded too (structs are not: see header).
  if (isMember || info?.shape === 'map') {
    if (l === undefined) c.added.add(p);
    else if (r === undefined) c.removed.add(p);
  }
}

/** A copy of `obj` without the value at `path` (no-op when absent). */
export function removePath(obj: JsonObject, path: FieldPath): JsonObject {
  const out = structuredClone(obj);
  let cur: Json = out;
  for (let i = 0; i < path.length; i++) {
    const e = path[i] as string;
    const last = i === path.length - 1;
    if (e.startsWith('f:')) {
      if (!isObject(cur)) return out;
      if (last) delete cur[e.slice(2)];
      else cur = getField(cur, e.slice(2)) ?? null;
    } else {
      if (!Array.isArray(cur)) return out;
      const list: Json[] = cur;
      const idx = list.findIndex((item, n) => itemMatches(item, e, n));
      if (idx < 0) return out;
      if (last) list.splice(idx, 1);
      else cur = list[idx] ?? null;
    }
  }
  return out;
}
