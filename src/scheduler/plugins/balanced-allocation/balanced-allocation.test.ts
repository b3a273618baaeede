import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from '../../testing/plugin-harness.ts';
import { makeNode, makePod } from '../../testing/fixtures.ts';
import { balancedScore } from './balanced-allocation.ts';

test('score = (1 - std of utilisation fractions) * 100', () => {
  assert.equal(balancedScore([0.5, 0.5]), 100);
  assert.equal(balancedScore([0.25, 0.75]), 75);
  assert.equal(balancedScore([1, 0]), 50);
});

test('prefers the node where cpu and memory end up balanced', () => {
  const h = harness(['NodeResourcesBalancedAllocation'], [makeNode('cpu-heavy'), makeNode('even')], [makePod('x', { nodeName: 'cpu-heavy', cpu: '3' })]);
  const s = h.score(makePod('p', { cpu: '1', memory: '2Gi' }));
  assert.equal(s['even'], 100);
  assert.equal(s['cpu-heavy'], 62); // fractions 1 and 0.25
});
