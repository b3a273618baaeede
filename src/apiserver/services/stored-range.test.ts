import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteBackend } from '../../storage/index.ts';
import { StoredRange } from './stored-range.ts';

const opts = { key: '/registry/ranges/test', range: '0-39', size: 40, minReserved: 4, maxReserved: 8 };

test("two allocators on one store never hand out the same value, and see each other's releases", async () => {
  const backend = await openSqliteBackend({ path: ':memory:' });
  try {
    const a = new StoredRange(backend, opts);
    const b = new StoredRange(backend, opts);
    assert.deepEqual(await a.load([3]), []);
    assert.deepEqual(await b.load([]), [3], 'b reports what the record holds beyond its Services');
    const picks = await Promise.all(Array.from({ length: 39 }, (_, i) => (i % 2 ? a : b).allocateNext()));
    assert.equal(new Set(picks).size, 39);
    assert.ok(!picks.includes(3));
    assert.equal(await a.allocateNext(), undefined, 'full');
    assert.equal(await b.allocate(picks[0]!), false);
    await a.release(picks[0]!);
    assert.equal(await b.allocate(picks[0]!), true, 'b sees the release a stored');
  } finally {
    await backend.close();
  }
});
