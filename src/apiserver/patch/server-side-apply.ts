// Server-side apply (PATCH with application/apply-patch+yaml), after structured-merge-diff:
// 1. merge the applied configuration into the live object (maps and map-lists merge, set-lists
//    union, atomic lists/maps and scalars replace);
// 2. prune what this manager applied last time but left out now, unless someone else owns it;
// 3. compare live and result: changed or added fields another manager owns are conflicts; with
//    force they move to this manager, otherwise nothing is written;
// 4. the manager's Apply entry becomes exactly the applied configuration's field set.
import type { FieldInfo, SchemaNavigator } from '../openapi/navigator.ts';
import { parse as parseYaml } from 'yaml';
import { PatchError } from './patch-error.ts';
import { deepEqual, getField, isObject, type Json, type JsonObject } from './json.ts';
import { FieldSet, pathToString, type FieldPath } from './field-set.ts';
import { compareFields, itemElement, removePath, toFieldSet } from './field-walk.ts';
import { childNode, fieldInfo, listKind, type SchemaNode } from './schema-node.ts';
import { fieldsStillAsLastApplied, LAST_APPLIED_MANAGER, syncLastApplied } from './last-applied.ts';
import {
  STRIPPED_PATHS,
  entryId,
  readManagedFields,
  withoutManagedFields,
  writeManagedFields,
  type ManagedOperation,
  type ManagerEntry,
} from './managed-fields.ts';

export interface ServerSideApplyOptions {
  /** The fieldManager query parameter (required for apply). */
  manager: string;
  /** The force query parameter. */
  force: boolean;
  /** Schema name of the object, e.g. `io.k8s.api.apps.v1.Deployment`. */
  schema: string;
  navigator: SchemaNavigator;
  /** RFC 3339 time recorded in the manager's entry. */
  now: string;
  /** apiVersion of the request, e.g. `apps/v1`. */
  apiVersion: string;
  subresource?: string;
  /**
   * Managers whose `Update` entries this apply takes over without conflict (the client-side to
   * server-side apply upgrade: e.g. ['kubectl-client-side-apply'] for manager 'kubectl').
   */
  operationUpdateManagers?: string[];
}

/** One field another manager owns with a different value. */
export interface ApplyConflict {
  manager: string;
  operation: ManagedOperation;
  apiVersion: string;
  subresource?: string;
  /** Upstream path string, e.g. `.spec.containers[name="c"].image`. */
  field: string;
}

export interface ServerSideApplyResult {
  /** The new object (with managedFields), or the unchanged live object when there are conflicts. */
  object: Json;
  /** Present (non-empty) when force is false and other managers own changed fields: answer 409. */
  conflicts?: ApplyConflict[];
}

/** Parses an apply body: YAML or JSON (JSON is YAML). Throws PatchError (400). */
export function parseApplyBody(body: string): Json {
  let v: unknown;
  try {
    v = parseYaml(body);
  } catch (err) {
    throw new PatchError(`error decoding YAML: ${err instanceof Error ? err.message : String(err)}`, 400);
  }
  if (!isObject(v as Json)) throw new PatchError('apply patch must be a YAML or JSON object', 400);
  return v as Json;
}

export function applyServerSide(live: Json | undefined, applied: Json, opts: ServerSideApplyOptions): ServerSideApplyResult {
  if (!isObject(applied)) throw new PatchError('apply patch must be a YAML or JSON object', 400);
  const root: SchemaNode = { schema: opts.schema };
  const nav = opts.navigator;
  const liveObj = isObject(live) ? withoutManagedFields(live) : {};
  const config = withoutManagedFields(applied);
  const appliedSet = toFieldSet(config, root, nav).without(STRIPPED_PATHS);

  const me: ManagerEntry = {
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
    fields: appliedSet,
  };
  const myId = entryId(me);
  const upgrade = new Set(opts.operationUpdateManagers ?? []);
  let entries = readManagedFields(live);
  const previous = entries.find((e) => entryId(e) === myId);
  entries = entries
    .filter((e) => entryId(e) !== myId)
    .map((e) => (e.operation === 'Update' && upgrade.has(e.manager) ? { ...e, fields: e.fields.difference(appliedSet) } : e));

  let merged = mergeObject(liveObj, config, root, nav);
  merged = prune(merged, previous?.fields ?? new FieldSet(), appliedSet, entries);

  const c = compareFields(liveObj, merged, root, nav);
  const changed = c.added.union(c.modified);
  let conflicts: { conflict: ApplyConflict; path: FieldPath }[] = [];
  for (const e of entries) {
    for (const p of e.fields.intersection(changed).paths()) {
      conflicts.push({
        conflict: {
          manager: e.manager,
          operation: e.operation,
          apiVersion: e.apiVersion,
          ...(e.subresource ? { subresource: e.subresource } : {}),
          field: pathToString(p),
        },
        path: p,
      });
    }
  }
  // kubectl taking over what it applied client-side: see last-applied.ts.
  if (conflicts.length > 0 && !opts.force && opts.manager === LAST_APPLIED_MANAGER) {
    const allowed = fieldsStillAsLastApplied(liveObj, root, nav);
    conflicts = conflicts.filter((c) => !allowed.has(c.path));
  }
  if (conflicts.length > 0 && !opts.force) {
    const list = conflicts.map((c) => c.conflict);
    list.sort((a, b) => (a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : a.field < b.field ? -1 : 1));
    return { object: structuredClone(live ?? null), conflicts: list };
  }

  entries = entries.map((e) => ({ ...e, fields: e.fields.difference(changed).difference(c.removed) }));
  const noop = deepEqual(liveObj, merged);
  me.time = noop && previous?.time !== undefined ? previous.time : opts.now;
  const object = writeManagedFields(merged, [...entries, me]);
  return { object: opts.manager === LAST_APPLIED_MANAGER ? syncLastApplied(liveObj, object, config) : object };
}

/** The 409 message, as upstream's fieldmanager formats it. */
export function applyConflictMessage(conflicts: ApplyConflict[]): string {
  if (conflicts.length === 1) {
    const c = conflicts[0] as ApplyConflict;
    return `Apply failed with 1 conflict: conflict with ${printManager(c)}: ${c.field}`;
  }
  const byManager = new Map<string, { label: string; fields: string[] }>();
  for (const c of conflicts) {
    const id = managerIdentifier(c);
    const group = byManager.get(id) ?? { label: printManager(c), fields: [] };
    group.fields.push(c.field);
    byManager.set(id, group);
  }
  const lines: string[] = [];
  for (const id of [...byManager.keys()].sort()) {
    const g = byManager.get(id) as { label: string; fields: string[] };
    lines.push(`conflicts with ${g.label}:`, ...g.fields.map((f) => `- ${f}`));
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** details.causes of the 409 Status. */
export function applyConflictCauses(conflicts: ApplyConflict[]): { type: string; message: string; field: string }[] {
  return conflicts.map((c) => ({ type: 'FieldManagerConflict', message: `conflict with ${printManager(c)}`, field: c.field }));
}

// Upstream sorts managers by their JSON identifier, whose first member is the manager name.
function managerIdentifier(c: ApplyConflict): string {
  return JSON.stringify({
    manager: c.manager,
    operation: c.operation,
    apiVersion: c.operation === 'Update' ? c.apiVersion : '',
    subresource: c.subresource ?? '',
  });
}

function printManager(c: ApplyConflict): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
  return c.operation === 'Update' ? `${s} using ${c.apiVersion}` : s;
}

function mergeObject(live: JsonObject, config: JsonObject, node: SchemaNode | undefined, nav: SchemaNavigator): JsonObject {
  const out: JsonObject = structuredClone(live);
  for (const [k, v] of Object.entries(config)) {
    const m = mergeValue(getField(out, k), v, fieldInfo(nav, node, k), nav);
    if (m === undefined) delete out[k];
    else out[k] = m;
  }
  return out;
}

function mergeValue(l: Json | undefined, r: Json, info: FieldInfo | undefined, nav: SchemaNavigator): Json | undefined {
  if (r === null) return undefined;
  if (isObject(r)) {
    if (info?.mapType === 'atomic') return structuredClone(r);
    return mergeObject(isObject(l) ? l : {}, r, childNode(info), nav);
  }
  if (!Array.isArray(r)) return r;
  const kind = listKind(info);
  if (kind.kind === 'atomic' || !Array.isArray(l)) {
    return kind.kind === 'map' ? mergeList([], r, info, nav) : structuredClone(r);
  }
  return mergeList(l, r, info, nav);
}

// Live order is kept; applied items not yet present are appended in applied order.
function mergeList(l: Json[], r: Json[], info: FieldInfo | undefined, nav: SchemaNavigator): Json[] {
  const out = structuredClone(l);
  const ids = out.map((x, i) => itemElement(x, info, i));
  r.forEach((item, i) => {
    const id = itemElement(item, info, i);
    const at = ids.indexOf(id);
    if (at < 0) {
      out.push(isObject(item) ? mergeObject({}, item, childNode(info), nav) : item);
      ids.push(id);
    } else if (isObject(item) && listKind(info).kind === 'map') {
      const cur = out[at];
      out[at] = mergeObject(isObject(cur) ? cur : {}, item, childNode(info), nav);
    }
  });
  return out;
}

/**
 * Removes what this manager applied before but no longer applies, unless another manager owns
 * it or something below it, or the new configuration still sets something below it.
 */
function prune(obj: JsonObject, last: FieldSet, now: FieldSet, others: ManagerEntry[]): JsonObject {
  const gone = last
    .difference(now)
    .paths()
    .sort((a, b) => a.length - b.length);
  let out = obj;
  for (const p of gone) {
    const owned = others.some((e) => e.fields.has(p) || e.fields.hasDescendant(p));
    if (owned || now.hasDescendant(p) || isUnder(p, STRIPPED_PATHS)) continue;
    out = removePath(out, p);
  }
  return out;
}

function isUnder(p: FieldPath, prefixes: FieldPath[]): boolean {
  return prefixes.some((q) => q.length <= p.length && q.every((e, i) => p[i] === e));
}
