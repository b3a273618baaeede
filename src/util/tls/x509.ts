// @peculiar/x509 2.x depends on tsyringe, which throws at import time unless a Reflect metadata
// polyfill (reflect-metadata, core-js, ...) is loaded first; none is a dependency of ours. Only
// the three functions tsyringe calls are needed (it finds no decorator metadata and does not need
// any), so we install those — unless a real polyfill is already present — and then import the
// library lazily, which keeps the order right however imports get sorted.

import type * as X509 from '@peculiar/x509';

type Key = string | symbol | undefined;
type Target = object;

const store = new WeakMap<Target, Map<Key, Map<unknown, unknown>>>();

function own(target: Target, property: Key, create: boolean): Map<unknown, unknown> | undefined {
  let byProperty = store.get(target);
  if (!byProperty) {
    if (!create) return undefined;
    byProperty = new Map();
    store.set(target, byProperty);
  }
  let map = byProperty.get(property);
  if (!map && create) {
    map = new Map();
    byProperty.set(property, map);
  }
  return map;
}

interface ReflectMetadata {
  getMetadata?: (key: unknown, target: Target, property?: Key) => unknown;
  getOwnMetadata?: (key: unknown, target: Target, property?: Key) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: Target, property?: Key) => void;
}

function installReflectMetadata(): void {
  const reflect = Reflect as typeof Reflect & ReflectMetadata;
  if (typeof reflect.getMetadata === 'function') return;
  reflect.getOwnMetadata = (key, target, property) => own(target, property, false)?.get(key);
  reflect.defineMetadata = (key, value, target, property) => {
    own(target, property, true)?.set(key, value);
  };
  reflect.getMetadata = (key, target, property) => {
    for (let t: Target | null = target; t !== null; t = Object.getPrototypeOf(t) as Target | null) {
      const map = own(t, property, false);
      if (map?.has(key)) return map.get(key);
    }
    return undefined;
  };
}

let loading: Promise<typeof X509> | undefined;

/** The @peculiar/x509 module, imported once after making sure its Reflect requirement is met. */
export function loadX509(): Promise<typeof X509> {
  installReflectMetadata();
  loading ??= import('@peculiar/x509');
  return loading;
}
