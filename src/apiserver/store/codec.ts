// Objects are stored as JSON without metadata.resourceVersion; the resourceVersion a client sees is
// the backend's modRevision of the row, set on every read (as upstream derives it from etcd).
import type { KeyValue } from '../../storage/index.ts';
import type { KObject, ResourceEntry } from '../registry/types.ts';
import { SHARED_SHAPE } from '../../util/index.ts';

export function encode(obj: KObject): string {
  const meta = obj.metadata ?? {};
  const { resourceVersion: _rv, ...rest } = meta;
  return JSON.stringify({ ...SHARED_SHAPE, ...obj, metadata: rest });
}

export function decode(kv: KeyValue, revision = kv.modRevision): KObject {
  const obj = JSON.parse(kv.value) as KObject;
  obj.metadata = { ...SHARED_SHAPE, ...(obj.metadata ?? {}), resourceVersion: String(revision) };
  return obj;
}

/**
 * What decode gives for `encode(obj)` stored at `revision`, without the round trip: `obj` with its
 * resourceVersion, sharing obj's parts (so `obj` must not change afterwards). Key order is decode's.
 */
export function withRevision(obj: KObject, revision: number): KObject {
  const { resourceVersion: _rv, ...meta } = obj.metadata ?? {};
  return { ...SHARED_SHAPE, ...obj, metadata: { ...SHARED_SHAPE, ...meta, resourceVersion: String(revision) } };
}

/** `/registry/pods/` for core, `/registry/apps/deployments/` for named groups. */
export function resourcePrefix(entry: Pick<ResourceEntry, 'group' | 'resource'>): string {
  return entry.group ? `/registry/${entry.group}/${entry.resource}/` : `/registry/${entry.resource}/`;
}

export function objectKey(entry: Pick<ResourceEntry, 'group' | 'resource' | 'namespaced'>, namespace: string | undefined, name: string): string {
  const base = resourcePrefix(entry);
  return entry.namespaced ? `${base}${namespace}/${name}` : `${base}${name}`;
}

/** Prefix for a list: the whole resource, or one namespace of it. */
export function listPrefix(entry: Pick<ResourceEntry, 'group' | 'resource' | 'namespaced'>, namespace: string | undefined): string {
  const base = resourcePrefix(entry);
  return entry.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function deepClone<T>(v: T): T {
  return structuredClone(v);
}
