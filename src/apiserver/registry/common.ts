// Small helpers shared by the registry entries.
import type { ColumnDefinition, KObject } from './types.ts';

const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const ageColumn: ColumnDefinition = { name: 'Age', type: 'string', description: AGE_DESCRIPTION, priority: 0 };

export function column(name: string, description: string, options: { priority?: number; type?: ColumnDefinition['type'] } = {}): ColumnDefinition {
  return { name, type: options.type ?? 'string', description, priority: options.priority ?? 0 };
}

/**
 * Views a parsed object as its kubernetes-types shape. The shape is not checked: the OpenAPI
 * decoding step upstream of the registry is what guarantees field types, so readers stay defensive.
 */
export function view<T>(obj: KObject): T {
  return obj as unknown as T;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

/** Number of keys of a map-valued field (0 if absent). */
export function countKeys(v: unknown): number {
  return isRecord(v) ? Object.keys(v).length : 0;
}

/** Deep structural equality of JSON values; absent (undefined) map members count as missing. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (structuredClone(v) as T);
}

/** kubernetes-types marks server-set fields (status, uid...) readonly; strategies do set them. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

export function writable<T>(v: T): Writable<T> {
  return v;
}
