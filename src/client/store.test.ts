import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStore, keyOf, splitKey } from './store.ts';
import type { KubeObject } from './types.ts';

const obj = (ns: string | undefined, name: string, node: string): KubeObject => ({ metadata: { name, namespace: ns, labels: { node } } });

describe('store', () => {
  it('keys namespaced objects as ns/name and cluster objects as name', () => {
    assert.equal(keyOf(obj('ns', 'a', '')), 'ns/a');
    assert.equal(keyOf(obj(undefined, 'n1', '')), 'n1');
    assert.deepEqual(splitKey('ns/a'), { namespace: 'ns', name: 'a' });
    assert.deepEqual(splitKey('n1'), { namespace: undefined, name: 'n1' });
  });

  it('keeps indexes in step with set and delete, including indexes added later', () => {
    const s = createStore<KubeObject>({ node: (o) => [o.metadata?.labels?.node ?? ''] });
    s.set('ns/a', obj('ns', 'a', 'n1'));
    s.set('ns/b', obj('ns', 'b', 'n1'));
    s.addIndexer('ns', (o) => [o.metadata?.namespace ?? '']);
    assert.equal(s.byIndex('node', 'n1').length, 2);
    s.set('ns/a', obj('ns', 'a', 'n2'));
    assert.deepEqual(s.byIndex('node', 'n1').map(keyOf), ['ns/b']);
    assert.deepEqual(s.byIndex('node', 'n2').map(keyOf), ['ns/a']);
    s.delete('ns/b');
    assert.deepEqual(s.byIndex('node', 'n1'), []);
    assert.equal(s.byIndex('ns', 'ns').length, 1);
    assert.throws(() => s.byIndex('missing', 'x'), /does not exist/);
    assert.throws(() => s.addIndexer('ns', () => []), /already exists/);
  });
});
