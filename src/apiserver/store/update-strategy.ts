// What an update may change: the server-owned metadata carried over from the live object, status
// kept out of main-resource updates (and only status taken from status updates), defaults, and the
// generation bump on a spec change. Pure: changes neither the live object nor the client's (unless
// the caller gives it away: ownsInput), and returns the object to validate (which may share the live
// object's unchanged parts).
import type { KObject, ResourceEntry } from '../registry/types.ts';
import { deepClone } from './codec.ts';
import { jsonEqual } from '../../util/index.ts';

export interface PrepareUpdateOptions {
  readonly namespace: string | undefined;
  readonly name: string;
  readonly apiVersion: string;
  readonly subresource: string | undefined;
  /**
   * `input` is the caller's to give away (nobody reads it afterwards): changed in place, not copied
   * (a status update takes the client's parts of it by reference).
   */
  readonly ownsInput?: boolean;
}

/** The object an update of `live` with the client's `input` writes (before admission and validation). */
export function prepareUpdate(entry: ResourceEntry, live: KObject, input: KObject, opts: PrepareUpdateOptions): KObject {
  const { namespace, name, subresource } = opts;
  if (subresource === 'status') return statusUpdate(entry, live, input, opts.ownsInput === true);
  const obj = opts.ownsInput ? input : deepClone(input);
  obj.apiVersion = opts.apiVersion;
  obj.kind = entry.kind;
  const meta = (obj.metadata ??= {});
  const oldMeta = live.metadata ?? {};
  meta.name = name;
  if (entry.namespaced) meta.namespace = namespace;
  // Fields owned by the server.
  meta.uid = oldMeta.uid;
  meta.creationTimestamp = oldMeta.creationTimestamp;
  if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
  else delete meta.generation;
  if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp;
  else delete meta.deletionTimestamp;
  if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
  else delete meta.deletionGracePeriodSeconds;
  if (meta.generateName === undefined && oldMeta.generateName !== undefined) meta.generateName = oldMeta.generateName;
  if (meta.managedFields === undefined && oldMeta.managedFields !== undefined) meta.managedFields = oldMeta.managedFields;
  // Internal subresources (binding, scale...) are trusted to change exactly what they mean to.
  if (subresource !== undefined) return obj;
  entry.defaults?.(obj);
  if (entry.hasStatus) {
    if (live.status !== undefined) obj.status = deepClone(live.status);
    else delete obj.status;
  }
  entry.prepareForUpdate?.(obj, live);
  if (entry.hasGeneration && !jsonEqual(specOf(obj), specOf(live))) {
    meta.generation = (oldMeta.generation ?? 1) + 1;
  }
  return obj;
}

/**
 * The status subresource changes status only (plus labels and annotations, as upstream allows).
 * The result takes everything else from `live` by reference (live is never changed, and neither is
 * what the result shares with it: prepareForStatusUpdate replaces what it resets) and copies only
 * what it takes from the client. No key is left undefined: such a key would make a status update
 * that changes nothing differ from the live object, and the written object from its decoding.
 */
function statusUpdate(entry: ResourceEntry, live: KObject, input: KObject, ownsInput: boolean): KObject {
  const take = <T>(v: T): T => (ownsInput ? v : deepClone(v));
  const merged: KObject = { ...live };
  if (input.status === undefined) delete merged.status;
  else merged.status = take(input.status);
  const meta = (merged.metadata = { ...live.metadata });
  const { labels, annotations } = input.metadata ?? {};
  if (labels !== undefined) meta.labels = take(labels);
  if (annotations !== undefined) meta.annotations = take(annotations);
  entry.prepareForStatusUpdate?.(merged, live);
  return merged;
}

/** True when `written` encodes as `live` but for resourceVersion: such an update writes nothing (as upstream). */
export function unchanged(live: KObject, written: KObject): boolean {
  const { resourceVersion: _a, ...liveMeta } = live.metadata ?? {};
  const { resourceVersion: _b, ...newMeta } = written.metadata ?? {};
  return jsonEqual({ ...live, metadata: liveMeta }, { ...written, metadata: newMeta });
}

/** Everything but metadata, status, apiVersion and kind: what a generation counts changes of. */
function specOf(obj: KObject): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}
