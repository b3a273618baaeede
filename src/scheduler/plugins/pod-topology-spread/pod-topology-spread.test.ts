import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from '../../testing/plugin-harness.ts';
import { makeNode, makePod } from '../../testing/fixtures.ts';

const Z = 'topology.kubernetes.io/zone';
const nodes = [makeNode('a1', { labels: { [Z]: 'a' } }), makeNode('b1', { labels: { [Z]: 'b' } }), makeNode('nolabel')];
const web = (name: string, nodeName?: string, when = 'DoNotSchedule', maxSkew = 1, minDomains?: number) =>
  makePod(name, {
    nodeName,
    labels: { app: 'web' },
    spec: { topologySpreadConstraints: [{ maxSkew, minDomains, topologyKey: Z, whenUnsatisfiable: when, labelSelector: { matchLabels: { app: 'web' } } }] },
  });

test('DoNotSchedule: skew above maxSkew rejects; missing label is unresolvable', () => {
  const h = harness(['PodTopologySpread'], nodes, [web('e1', 'a1')]);
  assert.deepEqual(h.filter(web('p')), {
    a1: "Unschedulable: node(s) didn't match pod topology spread constraints",
    b1: '',
    nolabel: "UnschedulableAndUnresolvable: node(s) didn't match pod topology spread constraints (missing required label)",
  });
  assert.deepEqual(h.filter(web('q', undefined, 'DoNotSchedule', 2)), { a1: '', b1: '', nolabel: h.filter(web('r'))['nolabel']! });
});

test('minDomains: fewer domains than minDomains makes the global minimum 0', () => {
  const h = harness(['PodTopologySpread'], nodes, [web('e1', 'a1'), web('e2', 'b1')]);
  assert.equal(h.filter(web('p'))['a1'], '');
  assert.notEqual(h.filter(web('q', undefined, 'DoNotSchedule', 1, 3))['a1'], '');
});

test('ScheduleAnyway scores the emptier domain higher', () => {
  const h = harness(['PodTopologySpread'], nodes.slice(0, 2), [web('e1', 'a1'), web('e2', 'a1')]);
  const s = h.score(web('p', undefined, 'ScheduleAnyway'));
  assert.ok(s['b1']! > s['a1']!, JSON.stringify(s));
});
