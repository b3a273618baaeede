// metadata.managedFields bookkeeping shared by server-side apply and ordinary writes.
// Entry identity follows upstream's manager identifier: (manager, operation, subresource) and,
// for Update only, apiVersion; the time is not part of it.
import type { SchemaNavigator } from '../openapi/navigator.ts';
import { deepEqual, getField, isObject, type Json, type JsonObject } from './json.ts';
import { FieldSet, type FieldPath } from './field-set.ts';
import { compareFields } from './field-walk.ts';
import { rfc3339 } from '../../api/index.ts';

export type ManagedOperation = 'Apply' | 'Update';

export interface ManagerEntry {
  manager: string;
  operation: ManagedOperation;
  apiVersion: string;
  time?: string;
  subresource?: string;
  fields: FieldSet;
}

/** Fields nobody owns: identity and server-set metadata (upstream's stripped set). */
export const STRIPPED_PATHS: FieldPath[] = [
  ['f:apiVersion'],
  ['f:kind'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map((f) => [
    'f:metadata',
    `f:${f}`,
  ]),
];

export function entryId(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([e.manager, e.operation, e.operation === 'Update' ? e.apiVersion : '', e.subresource ?? '']);
}

export function readManagedFields(obj: Json | undefined): ManagerEntry[] {
  const meta = isObject(obj) ? getField(obj, 'metadata') : undefined;
  const list = isObject(meta) ? getField(meta, 'managedFields') : undefined;
  if (!Array.isArray(list)) return [];
  const out: ManagerEntry[] = [];
  for (const raw of list) {
    if (!isObject(raw)) continue;
    const str = (k: string): string | undefined => {
      const v = getField(raw, k);
      return typeof v === 'string' ? v : undefined;
    };
    const time = str('time');
    const subresource = str('subresource');
    out.push({
      manager: str('manager') ?? '',
      operation: str('operation') === 'Apply' ? 'Apply' : 'Update',
      apiVersion: str('apiVersion') ?? '',
      ...(time !== undefined ? { time } : {}),
      ...(subresource ? { subresource } : {}),
      fields: FieldSet.fromFieldsV1(getField(raw, 'fieldsV1')),
    });
  }
  return out;
}

/** A copy of `obj` whose metadata.managedFields is `entries` (non-empty ones, upstream order). */
export function writeManagedFields(obj: JsonObject, entries: ManagerEntry[]): JsonObject {
  const kept = entries.filter((e) => e.fields.size > 0);
  kept.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      cmp(seconds(p.time), seconds(q.time)) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
  const meta = isObject(obj['metadata']) ? { ...obj['metadata'] } : {};
  if (kept.length === 0) delete meta['managedFields'];
  else {
    meta['managedFields'] = kept.map((e) => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      ...(e.time !== undefined ? { time: e.time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: e.fields.toFieldsV1(),
      ...(e.subresource ? { subresource: e.subresource } : {}),
    }));
  }
  return { ...obj, metadata: meta };
}

function cmp<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function seconds(t: string | undefined): number {
  const ms = t === undefined ? NaN : Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** `obj` without metadata.managedFields, for comparisons that must ignore the bookkeeping. */
export function withoutManagedFields(obj: JsonObject): JsonObject {
  const meta = obj['metadata'];
  if (!isObject(meta) || !Object.hasOwn(meta, 'managedFields')) return obj;
  const { managedFields: _dropped, ...rest } = meta;
  return { ...obj, metadata: rest };
}

export interface UpdateManagedFieldsOptions {
  manager: string;
  operation?: 'Update';
  /** apiVersion of the request, e.g. `v1` or `apps/v1`. */
  apiVersion: string;
  /** RFC 3339 time of the write (`time` is accepted as an alias). */
  now?: string;
  time?: string;
  subresource?: string;
  /** Schema name of the object, e.g. `io.k8s.api.core.v1.Pod`. Without schema and navigator, lists
   * are treated as atomic (whole-list ownership) and objects as granular maps. */
  schema?: string;
  navigator?: SchemaNavigator;
}

const NO_SCHEMA: SchemaNavigator = { field: () => undefined, has: () => false };

/**
 * Records an ordinary write (create/update/patch with a fieldManager) in `next`'s managedFields:
 * the fields it added or changed become the manager's (taken from whoever had them: updates never
 * conflict), removed fields leave every manager. The time moves only when the manager gained
 * fields. `prev` is the stored object (undefined on create). If the request itself carried a
 * changed managedFields, that is taken as the starting point, as upstream does. Pure.
 */
export function updateManagedFields(prev: Json | undefined, next: Json, opts: UpdateManagedFieldsOptions): Json {
  if (!isObject(next)) return next;
  const before = isObject(prev) ? withoutManagedFields(prev) : {};
  const after = withoutManagedFields(next);
  const given = readManagedFields(next);
  const stored = readManagedFields(prev);
  const hasGiven = isObject(next['metadata']) && Object.hasOwn(next['metadata'], 'managedFields');
  let entries = hasGiven && !deepEqual(getMF(next), getMF(prev)) ? given : stored;

  const now = opts.now ?? opts.time ?? rfc3339();
  const c = compareFields(before, after, opts.schema ? { schema: opts.schema } : undefined, opts.navigator ?? NO_SCHEMA);
  const changed = c.added.union(c.modified).without(STRIPPED_PATHS);
  const removed = c.removed;
  const me: ManagerEntry = {
    manager: opts.manager,
    operation: 'Update',
    apiVersion: opts.apiVersion,
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
    time: now,
    fields: changed,
  };
  const myId = entryId(me);
  entries = entries.map((e) => ({ ...e, fields: e.fields.difference(removed).difference(entryId(e) === myId ? new FieldSet() : changed) }));
  const mine = entries.find((e) => entryId(e) === myId);
  if (changed.size > 0) {
    if (mine) {
      mine.fields = mine.fields.union(changed);
      mine.time = now;
    } else {
      entries.push(me);
    }
  }
  return writeManagedFields(next, entries);
}

function getMF(obj: Json | undefined): Json | undefined {
  const meta = isObject(obj) ? getField(obj, 'metadata') : undefined;
  return isObject(meta) ? getField(meta, 'managedFields') : undefined;
}
