import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CronParseError, parseCron } from './cron.ts';

const at = (s: string): number => Date.parse(s);
const next = (expr: string, after: string): string | undefined => {
  const n = parseCron(expr).next(at(after));
  return n === undefined ? undefined : new Date(n).toISOString();
};

test('every minute, steps, ranges and lists', () => {
  assert.equal(next('*/1 * * * *', '2024-01-01T00:00:30Z'), '2024-01-01T00:01:00.000Z');
  assert.equal(next('*/15 * * * *', '2024-01-01T00:15:00Z'), '2024-01-01T00:30:00.000Z');
  assert.equal(next('5,10 9-17 * * *', '2024-01-01T17:10:00Z'), '2024-01-02T09:05:00.000Z');
  assert.equal(next('0 0 29 2 *', '2023-03-01T00:00:00Z'), '2024-02-29T00:00:00.000Z');
});

test('descriptors and names', () => {
  assert.equal(next('@hourly', '2024-01-01T10:59:59Z'), '2024-01-01T11:00:00.000Z');
  assert.equal(next('@daily', '2024-01-01T10:00:00Z'), '2024-01-02T00:00:00.000Z');
  assert.equal(next('@weekly', '2024-01-01T00:00:00Z'), '2024-01-07T00:00:00.000Z'); // a Sunday
  assert.equal(next('0 12 * jan-mar mon', '2024-03-30T00:00:00Z'), '2025-01-06T12:00:00.000Z');
});

test('both day fields restricted: either matches', () => {
  // 2024-01-03 is a Wednesday; the 15th comes later.
  assert.equal(next('0 0 15 * wed', '2024-01-01T00:00:00Z'), '2024-01-03T00:00:00.000Z');
});

test('bad schedules are rejected with a reason', () => {
  for (const s of ['* * * *', '61 * * * *', '@fortnightly', 'a * * * *', '*/0 * * * *', '5-1 * * * *', 'TZ=UTC * * * * *']) {
    assert.throws(() => parseCron(s), CronParseError, s);
  }
  assert.equal(next('0 0 30 2 *', '2024-01-01T00:00:00Z'), undefined);
});
