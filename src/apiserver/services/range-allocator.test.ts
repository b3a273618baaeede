import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nthAddress, parseIpRange } from './ip-range.ts';
import { RangeAllocator } from './range-allocator.ts';

test('a /24 has 254 usable addresses; the 10th is .10', () => {
  const r = parseIpRange('10.43.0.0/24');
  assert.equal(r.size, 254);
  assert.equal(nthAddress(r, 10), '10.43.0.10');
  assert.equal(r.offsetOf('10.43.0.0'), undefined);
  assert.equal(r.offsetOf('10.43.0.255'), undefined);
  assert.equal(r.offsetOf('10.44.0.1'), undefined);
  assert.equal(parseIpRange('10.43.7.9/16').cidr, '10.43.0.0/16');
  assert.throws(() => parseIpRange('10.43.0.0/31'));
});

test('every value is handed out once; dynamic picks use the upper band first', () => {
  const a = new RangeAllocator(64, { minReserved: 16, maxReserved: 256 });
  const seen = new Set<number>();
  for (let i = 0; i < 48; i++) {
    const n = a.allocateNext()!;
    assert.ok(n >= 16, `picked ${n} from the reserved band while the upper one had room`);
    seen.add(n);
  }
  for (let i = 0; i < 16; i++) seen.add(a.allocateNext()!);
  assert.equal(seen.size, 64);
  assert.equal(a.allocateNext(), undefined);
  assert.equal(a.allocate(5), false);
  a.release(5);
  assert.equal(a.allocateNext(), 5);
});
