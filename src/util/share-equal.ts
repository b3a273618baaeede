// Structural sharing between two versions of one decoded object (as an informer sees them: the
// cached version and the one a watch event just decoded). Every part of `next` that equals the
// same part of `prev` is replaced by prev's, so an update that changes a pod's status leaves its
// spec, metadata and unchanged conditions as the objects (and strings) already cached. The copies
// decoded for the event then die young, in the cheap young-generation collection, instead of
// surviving into the old generation while the replaced version turns into old-generation garbage:
// a node or server holding 30,000 pods through their start-up updates keeps a smaller, less
// fragmented heap.
//
// `next` must be freshly decoded and not yet shared (it is changed in place); `prev` is never
// changed. Plain JSON values only (objects, arrays, strings, numbers, booleans, null).

/** `next` with every part equal to prev's same part replaced by it; `prev` itself when all is equal. */
export function shareEqual<T>(prev: T, next: T): T {
  if (prev === next) return prev;
  if (typeof prev !== 'object' || typeof next !== 'object' || prev === null || next === null) {
    // Equal strings are distinct heap objects when decoded twice: keep the cached one.
    return typeof prev === 'string' && prev === next ? prev : next;
  }
  if (Array.isArray(prev) !== Array.isArray(next) || Object.isFrozen(next)) return next;
  return (Array.isArray(next) ? shareArray(prev as unknown[], next) : shareRecord(prev as Record<string, unknown>, next as Record<string, unknown>)) as T;
}

function shareArray(prev: unknown[], next: unknown[]): unknown[] {
  let same = prev.length === next.length;
  const common = Math.min(prev.length, next.length);
  for (let i = 0; i < common; i++) {
    const v = shareEqual(prev[i], next[i]);
    if (v !== next[i]) next[i] = v;
    if (v !== prev[i]) same = false;
  }
  return same ? prev : next;
}

function shareRecord(prev: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
  let same = true;
  let keys = 0;
  for (const k in next) {
    if (!Object.hasOwn(next, k)) continue;
    keys++;
    if (!Object.hasOwn(prev, k)) {
      same = false;
      continue;
    }
    const v = shareEqual(prev[k], next[k]);
    if (v !== next[k]) next[k] = v;
    if (v !== prev[k]) same = false;
  }
  if (!same) return next;
  let prevKeys = 0;
  for (const k in prev) if (Object.hasOwn(prev, k)) prevKeys++;
  return prevKeys === keys ? prev : next;
}
