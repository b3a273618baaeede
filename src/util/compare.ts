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
