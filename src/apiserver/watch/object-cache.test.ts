// The object cache hands every reader of one stored row the same decoded object and the same
// encoding, and never answers with another state of the key than the row asked for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeyValue } from '../../storage/index.ts';
import { encode } from '../store/codec.ts';
import { ObjectCache, SharedObject } from './object-cache.ts';

const sizeOf = (s: SharedObject) => (s.object.data as Record<string, string> | undefined)?.size;

const row = (name: string, rev: number, size: number): KeyValue => ({
  key: `/registry/configmaps/ns/${name}`,
  value: encode({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data: { size: String(size) } }),
  createRevision: rev,
  modRevision: rev,
});

describe('ObjectCache', () => {
  it('decodes a row once and encodes it once for every reader', () => {
    const cache = new ObjectCache();
    const first = cache.read(row('a', 5, 1));
    const again = cache.read(row('a', 5, 1));
    assert.equal(again, first);
    assert.equal(first.object.metadata?.resourceVersion, '5');
    assert.equal(first.json(), JSON.stringify(first.object));
    assert.equal(again.json(), first.json());
  });

  it('answers each revision of a key with that revision, and keeps the newest', () => {
    const cache = new ObjectCache();
    cache.read(row('a', 5, 1));
    const newer = cache.read(row('a', 9, 2));
    assert.equal(sizeOf(newer), '2');
    // A read at an older revision (a paged LIST's snapshot) still gets the old state...
    const old = cache.read(row('a', 5, 1));
    assert.equal(sizeOf(old), '1');
    assert.equal(old.object.metadata?.resourceVersion, '5');
    // ...without evicting the newer one.
    assert.equal(cache.read(row('a', 9, 2)), newer);
  });

  it('takes writes from the watch cache, and forgets deleted keys even when an older read comes after', () => {
    const cache = new ObjectCache();
    const kv = row('a', 5, 1);
    const written = new SharedObject({ ...JSON.parse(kv.value), metadata: { name: 'a', namespace: 'ns', resourceVersion: '5' } }, 5);
    cache.put(kv.key, written);
    assert.equal(cache.read(kv), written);
    cache.delete(kv.key, 7);
    assert.equal(cache.size, 0);
    // A LIST that read its snapshot before the delete decodes the row, but does not bring it back.
    assert.equal(sizeOf(cache.read(kv)), '1');
    assert.equal(cache.size, 0);
    // A re-create after the delete is kept.
    cache.read(row('a', 8, 3));
    assert.equal(cache.size, 1);
  });
});

describe('ObjectCache with uncached prefixes', () => {
  it('decodes rows under an uncached prefix for the reader but keeps none of them', () => {
    const cache = new ObjectCache(['/registry/events/']);
    const event: KeyValue = { ...row('e', 3, 1), key: '/registry/events/ns/e' };
    const read = cache.read(event);
    assert.equal(read.object.metadata?.name, 'e');
    cache.put(event.key, new SharedObject(read.object, 3));
    assert.equal(cache.size, 0);
    assert.notEqual(cache.read(event), read);
    assert.equal(cache.current(event.key, 3), undefined);
    // Other keys are kept as before.
    const kept = cache.read(row('a', 5, 1));
    assert.equal(cache.current('/registry/configmaps/ns/a', 5), kept);
    assert.equal(cache.size, 1);
  });
});
