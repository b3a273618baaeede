import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from '../../testing/plugin-harness.ts';
import { makeNode, makePod } from '../../testing/fixtures.ts';

test('spec.nodeName restricts to that node', () => {
  const h = harness(['NodeName'], [makeNode('a'), makeNode('b')]);
  assert.deepEqual(h.filter(makePod('p', { nodeName: 'b' })), { a: "UnschedulableAndUnresolvable: node(s) didn't match the requested node name", b: '' });
  assert.deepEqual(h.filter(makePod('q')), { a: '', b: '' });
});
