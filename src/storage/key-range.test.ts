import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareKeys, prefixRange } from './key-range.ts';

describe('prefixRange', () => {
  it('bounds exactly the keys that start with the prefix, in code point order', () => {
    const keys = ['/a', '/a/', '/a/x', '/a/\u{ffff}', '/a/\u{10000}', '/a0', '/b', '/a/\u{10ffff}z', '\u{10ffff}'];
    for (const prefix of ['/a/', '/a', '', '\u{10ffff}', '/a/\u{d7ff}']) {
      const { start, end } = prefixRange(prefix);
      const inRange = keys.filter((k) => compareKeys(k, start) >= 0 && (end === undefined || compareKeys(k, end) < 0));
      assert.deepEqual(
        inRange,
        keys.filter((k) => k.startsWith(prefix)),
        `prefix ${JSON.stringify(prefix)}`,
      );
    }
  });
});
