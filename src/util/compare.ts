/**
 * Orders strings by code unit, as Go's `<` on strings (byte order for the ASCII of Kubernetes
 * names) — what upstream sorts by. Unlike localeCompare it ignores locale rules (which, for one,
 * weigh punctuation such as '-' less than letters) and loads no ICU collation data (about 3 MB of
 * a server's memory).
 */
export const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * JSON with every object's keys sorted by code unit: two values that differ only in key order give
 * the same string, for "did anything change" comparisons of API objects.
 */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => byteOrder(a, b))) : x,
  );
}

/**
 * Deep equality of JSON values as their encoding sees them: keys in any order, and a key whose
 * value is undefined counts as absent (JSON.stringify drops it). isDeepStrictEqual tells
 * `{ generation: undefined }` from `{}`, so an update that changed nothing but left such a key
 * behind looked like a change.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let defined = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k) || x[k] === undefined) continue;
    defined++;
    if (!Object.hasOwn(y, k) || !jsonEqual(x[k], y[k])) return false;
  }
  for (const k in y) if (Object.hasOwn(y, k) && y[k] !== undefined) defined--;
  return defined === 0;
}
