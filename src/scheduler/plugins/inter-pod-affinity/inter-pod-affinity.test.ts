import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from '../../testing/plugin-harness.ts';
import { makeNode, makePod } from '../../testing/fixtures.ts';

const Z = 'topology.kubernetes.io/zone';
const nodes = [makeNode('a', { labels: { [Z]: 'z1' } }), makeNode('b', { labels: { [Z]: 'z2' } })];
const term = (app: string) => ({ labelSelector: { matchLabels: { app } }, topologyKey: Z });
const db = makePod('db', { nodeName: 'a', labels: { app: 'db' } });

test('required affinity: only where a matching pod runs; first of a self-matching group goes anywhere', () => {
  const h = harness(['InterPodAffinity'], nodes, [db]);
  const p = makePod('p', { spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db')] } } } });
  assert.deepEqual(h.filter(p), { a: '', b: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules" });
  const h2 = harness(['InterPodAffinity'], nodes);
  const self = makePod('s', {
    labels: { app: 'cache' },
    spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('cache')] } } },
  });
  assert.deepEqual(h2.filter(self), { a: '', b: '' });
});

test('required anti-affinity, and existing pods anti-affinity', () => {
  const h = harness(['InterPodAffinity'], nodes, [db]);
  const p = makePod('p', { spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db')] } } } });
  assert.deepEqual(h.filter(p), { a: "Unschedulable: node(s) didn't match pod anti-affinity rules", b: '' });
  const lonely = makePod('l', {
    nodeName: 'b',
    labels: { app: 'lonely' },
    spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web')] } } },
  });
  const h2 = harness(['InterPodAffinity'], nodes, [lonely]);
  assert.deepEqual(h2.filter(makePod('w', { labels: { app: 'web' } })), {
    a: '',
    b: "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules",
  });
});

test('preferred affinity scores the zone with matching pods higher (weight 2)', () => {
  const h = harness(['InterPodAffinity'], nodes, [db]);
  const p = makePod('p', {
    spec: { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term('db') }] } } },
  });
  assert.deepEqual(h.score(p), { a: 200, b: 0 });
});
