// The informer's cache: objects by key (`ns/name`, or `name` for cluster-scoped objects) with
// secondary indexes. Objects are shared with every reader — treat them as immutable and copy
// (structuredClone) before changing one.

import type { KubeObject } from './types.ts';

export type Indexer<T> = (obj: T) => string[];

/** Index name of `namespaceIndexer`, the one most controllers need. */
export const NAMESPACE_INDEX = 'namespace';
export const namespaceIndexer: Indexer<KubeObject> = (obj) => [obj.metadata?.namespace ?? ''];

export function keyOf(obj: KubeObject): string {
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export interface Store<T> {
  get(key: string): T | undefined;
  list(): T[];
  keys(): string[];
  /** Objects whose indexer `name` returned `value`. Throws for an unknown index name. */
  byIndex(name: string, value: string): T[];
  readonly size: number;
}

export interface MutableStore<T> extends Store<T> {
  /** Adds an index at any time; existing objects are indexed at once. */
  addIndexer(name: string, fn: Indexer<T>): void;
  set(key: string, obj: T): void;
  delete(key: string): void;
}

export function createStore<T>(initial: Record<string, Indexer<T>> = {}): MutableStore<T> {
  const indexers: Record<string, Indexer<T>> = { ...initial };
  const items = new Map<string, T>();
  const indices = new Map<string, Map<string, Set<string>>>();
  for (const name of Object.keys(indexers)) indices.set(name, new Map());

  function unindex(key: string, obj: T): void {
    for (const [name, fn] of Object.entries(indexers)) {
      const index = indices.get(name);
      for (const v of fn(obj)) {
        const set = index?.get(v);
        set?.delete(key);
        if (set?.size === 0) index?.delete(v);
      }
    }
  }

  function index(key: string, obj: T): void {
    for (const [name, fn] of Object.entries(indexers)) {
      const index = indices.get(name);
      if (!index) continue;
      for (const v of fn(obj)) {
        let set = index.get(v);
        if (!set) index.set(v, (set = new Set()));
        set.add(key);
      }
    }
  }

  return {
    get: (key) => items.get(key),
    list: () => [...items.values()],
    keys: () => [...items.keys()],
    byIndex(name, value) {
      const index = indices.get(name);
      if (!index) throw new Error(`index "${name}" does not exist`);
      const out: T[] = [];
      for (const key of index.get(value) ?? []) {
        const obj = items.get(key);
        if (obj !== undefined) out.push(obj);
      }
      return out;
    },
    get size() {
      return items.size;
    },
    addIndexer(name, fn) {
      if (indexers[name]) throw new Error(`index "${name}" already exists`);
      indexers[name] = fn;
      const index = new Map<string, Set<string>>();
      indices.set(name, index);
      for (const [key, obj] of items) {
        for (const v of fn(obj)) {
          let set = index.get(v);
          if (!set) index.set(v, (set = new Set()));
          set.add(key);
        }
      }
    },
    set(key, obj) {
      const old = items.get(key);
      if (old !== undefined) unindex(key, old);
      items.set(key, obj);
      index(key, obj);
    },
    delete(key) {
      const old = items.get(key);
      if (old === undefined) return;
      unindex(key, old);
      items.delete(key);
    },
  };
}
