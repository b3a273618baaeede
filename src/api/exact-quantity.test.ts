import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQuantity, QUANTITY_FORMAT_ERROR, tryParseQuantity } from './exact-quantity.ts';

test('parses common quantities', () => {
  assert.equal(parseQuantity('100m').milliValue(), 100);
  assert.equal(parseQuantity('1').milliValue(), 1000);
  assert.equal(parseQuantity('0.5').milliValue(), 500);
  assert.equal(parseQuantity('1Gi').value(), 1024 ** 3);
  assert.equal(parseQuantity('128Mi').value(), 128 * 1024 ** 2);
  assert.equal(parseQuantity('1e3').value(), 1000);
  assert.equal(parseQuantity('1.5k').value(), 1500);
  assert.equal(parseQuantity('1n').nanos, 1n);
  assert.equal(parseQuantity('0.1m').milliValue(), 1); // rounds up
});

test('canonical form', () => {
  const cases: [string, string][] = [
    ['100m', '100m'],
    ['1000m', '1'],
    ['0.5', '500m'],
    ['1.5Gi', '1536Mi'],
    ['1024Mi', '1Gi'],
    ['1Ki', '1Ki'],
    ['512', '512'],
    ['0.5Ki', '512'],
    ['1e3', '1e3'],
    ['1.5e3', '1500'],
    ['2000', '2k'],
    ['1500000', '1500k'],
    ['0', '0'],
    ['-1', '-1'],
    ['+5', '5'],
  ];
  for (const [input, out] of cases) assert.equal(parseQuantity(input).toString(), out, input);
});

test('invalid quantities carry upstream messages', () => {
  assert.deepEqual(tryParseQuantity('abc'), { ok: false, error: QUANTITY_FORMAT_ERROR });
  assert.deepEqual(tryParseQuantity(''), { ok: false, error: QUANTITY_FORMAT_ERROR });
  assert.deepEqual(tryParseQuantity('1.2.3'), { ok: false, error: 'unable to parse numeric part of quantity' });
  assert.deepEqual(tryParseQuantity('1Gb'), { ok: false, error: QUANTITY_FORMAT_ERROR });
  assert.deepEqual(tryParseQuantity('1mi'), { ok: false, error: "unable to parse quantity's suffix" });
  assert.throws(() => parseQuantity('x'), /quantities must match the regular expression/);
});

test('comparison', () => {
  assert.equal(parseQuantity('1').cmp(parseQuantity('1000m')), 0);
  assert.equal(parseQuantity('1Gi').cmp(parseQuantity('1G')), 1);
});
