// Prefix → half-open key range, in code point order (which is also UTF-8 byte order, the order
// sqlite's BINARY collation and etcd both use). Lets a prefix scan use an index.

export interface KeyRange {
  /** Inclusive lower bound (the prefix itself). */
  readonly start: string;
  /** Exclusive upper bound; undefined when every key >= start matches (empty prefix, or max code point). */
  readonly end: string | undefined;
}

const MAX_CODE_POINT = 0x10ffff;
const SURROGATE_START = 0xd800;
const SURROGATE_END = 0xdfff;

export function prefixRange(prefix: string): KeyRange {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last === MAX_CODE_POINT) continue;
    const next = last + 1 === SURROGATE_START ? SURROGATE_END + 1 : last + 1;
    return { start: prefix, end: points.join('') + String.fromCodePoint(next) };
  }
  return { start: prefix, end: undefined };
}

/** Orders keys by code point (UTF-8 byte order), the order every backend lists in. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
