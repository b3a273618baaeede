import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from '../../testing/plugin-harness.ts';
import { makeNode, makePod } from '../../testing/fixtures.ts';

const tainted = makeNode('t', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
const exec = makeNode('e', { taints: [{ key: 'k', effect: 'NoExecute' }] });
const soft = makeNode('s', { taints: [{ key: 'pref', value: 'x', effect: 'PreferNoSchedule' }] });
const plain = makeNode('p');

test('untolerated NoSchedule/NoExecute rejects with upstream message; PreferNoSchedule does not', () => {
  const h = harness(['TaintToleration'], [tainted, exec, soft, plain]);
  assert.deepEqual(h.filter(makePod('x')), {
    t: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: gpu}',
    e: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {k: }',
    s: '',
    p: '',
  });
});

test('Equal/Exists tolerations, empty key with Exists tolerates everything', () => {
  const h = harness(['TaintToleration'], [tainted, exec]);
  const eq = makePod('a', { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } });
  assert.equal(h.filter(eq)['t'], '');
  const wrongValue = makePod('b', { spec: { tolerations: [{ key: 'dedicated', value: 'cpu' }] } });
  assert.notEqual(h.filter(wrongValue)['t'], '');
  const all = makePod('c', { spec: { tolerations: [{ operator: 'Exists' }] } });
  assert.deepEqual(h.filter(all), { t: '', e: '' });
});

test('score prefers nodes without untolerated PreferNoSchedule taints (weight 3)', () => {
  const h = harness(['TaintToleration'], [soft, plain]);
  assert.deepEqual(h.score(makePod('x')), { s: 0, p: 300 });
  const tol = makePod('y', { spec: { tolerations: [{ key: 'pref', operator: 'Exists', effect: 'PreferNoSchedule' }] } });
  assert.deepEqual(h.score(tol), { s: 300, p: 300 });
});
