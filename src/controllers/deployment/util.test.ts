import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { computeHash, equalIgnoreHash, maxSurge, maxUnavailable, safeEncodeString, scaledValue } from './util.ts';

const d = (replicas: number, maxSurgeV: number | string, maxUnavailableV: number | string): Deployment => ({
  spec: { replicas, selector: {}, template: {}, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: maxSurgeV, maxUnavailable: maxUnavailableV } } },
});

describe('deployment util', () => {
  it('safe-encodes as apimachinery rand.SafeEncodeString', () => {
    // '0' is byte 48: 48 % 27 = 21 → '4'; '9' is 57 % 27 = 3 → 'f'.
    assert.equal(safeEncodeString('09'), '4f');
  });

  it('hashes equal templates equally, ignores key order and nulls, changes with collisionCount', () => {
    const a = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    const b = { spec: { containers: [{ image: 'i', name: 'c' }] }, metadata: { creationTimestamp: null, labels: { app: 'x' } } } as unknown as typeof a;
    assert.equal(computeHash(a), computeHash(b));
    assert.match(computeHash(a), /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.notEqual(computeHash(a, 1), computeHash(a));
    assert.ok(equalIgnoreHash({ ...a, metadata: { labels: { app: 'x', 'pod-template-hash': 'abc' } } }, b));
  });

  it('resolves maxSurge up and maxUnavailable down from percentages, never both 0', () => {
    assert.equal(scaledValue('25%', 5, true), 2);
    assert.equal(scaledValue('25%', 5, false), 1);
    assert.equal(maxSurge(d(5, '25%', '25%')), 2);
    assert.equal(maxUnavailable(d(5, '25%', '25%')), 1);
    assert.equal(maxUnavailable(d(3, '10%', '10%')), 0);
    assert.equal(maxSurge(d(3, '10%', '10%')), 1);
    assert.equal(maxUnavailable(d(3, 0, '10%')), 1);
  });
});
