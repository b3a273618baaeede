// Reads a nested value in tests without casts: dig(obj, 'spec', 'containers', 0, 'image').
import { isObject, type Json } from './json.ts';

export function dig(v: Json | undefined, ...path: (string | number)[]): Json | undefined {
  let cur = v;
  for (const k of path) {
    if (typeof k === 'number') cur = Array.isArray(cur) ? cur[k] : undefined;
    else cur = isObject(cur) && Object.hasOwn(cur, k) ? cur[k] : undefined;
  }
  return cur;
}

export function names(list: Json | undefined): (Json | undefined)[] {
  return Array.isArray(list) ? list.map((x) => dig(x, 'name')) : [];
}
