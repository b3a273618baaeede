import assert from 'node:assert/strict';
import { test } from 'node:test';
import { humanDuration, since } from './age.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test('humanDuration follows upstream steps', () => {
  const cases: [number, string][] = [
    [-3 * s, '<invalid>'],
    [-1 * s, '0s'],
    [0, '0s'],
    [5 * s, '5s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [3 * m + 2 * s, '3m2s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [3 * h + 5 * m, '3h5m'],
    [8 * h + 5 * m, '8h'],
    [47 * h, '47h'],
    [2 * d + 3 * h, '2d3h'],
    [2 * d, '2d'],
    [8 * d + 3 * h, '8d'],
    [400 * d, '400d'],
    [2 * 365 * d + 10 * d, '2y10d'],
    [9 * 365 * d, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}`);
});

test('since: <unknown> without a timestamp', () => {
  const ctx = { now: () => new Date('2024-01-01T00:01:00Z') };
  assert.equal(since(undefined, ctx), '<unknown>');
  assert.equal(since('2024-01-01T00:00:00Z', ctx), '60s');
});
