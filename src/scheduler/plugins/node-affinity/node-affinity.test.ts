import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from '../../testing/plugin-harness.ts';
import { makeNode, makePod } from '../../testing/fixtures.ts';

const MSG = "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector";
const nodes = [makeNode('a', { labels: { disk: 'ssd', gen: '5' } }), makeNode('b', { labels: { disk: 'hdd', gen: '3' } }), makeNode('c')];
const req = (terms: object[]) => ({ spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } });

test('nodeSelector', () => {
  const h = harness(['NodeAffinity'], nodes);
  assert.deepEqual(h.filter(makePod('p', { spec: { nodeSelector: { disk: 'ssd' } } })), { a: '', b: MSG, c: MSG });
});

test('In / NotIn / Exists / DoesNotExist / Gt / Lt; terms ORed, expressions ANDed', () => {
  const h = harness(['NodeAffinity'], nodes);
  const f = (terms: object[]) => h.filter(makePod('p', req(terms) as never));
  assert.deepEqual(f([{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd', 'nvme'] }] }]), { a: '', b: MSG, c: MSG });
  assert.deepEqual(f([{ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['ssd'] }] }]), { a: MSG, b: '', c: '' });
  assert.deepEqual(f([{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }]), { a: '', b: '', c: MSG });
  assert.deepEqual(f([{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }]), { a: MSG, b: MSG, c: '' });
  assert.deepEqual(f([{ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }]), { a: '', b: MSG, c: MSG });
  assert.deepEqual(f([{ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['4'] }] }]), { a: MSG, b: '', c: MSG });
  assert.deepEqual(
    f([{ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['4'] }] }, { matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }]),
    { a: MSG, b: '', c: '' },
  );
  assert.deepEqual(f([{}]), { a: MSG, b: MSG, c: MSG });
});

test('matchFields metadata.name narrows the nodes in PreFilter', () => {
  const h = harness(['NodeAffinity'], nodes);
  const r = h.filter(makePod('p', req([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }]) as never));
  assert.equal(r['b'], '');
  assert.notEqual(r['a'], '');
});

test('preferred terms score by weight, normalized, weight 2', () => {
  const h = harness(['NodeAffinity'], nodes);
  const pod = makePod('p', {
    spec: {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
            { weight: 5, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } },
          ],
        },
      },
    },
  });
  assert.deepEqual(h.score(pod), { a: 200, b: 66, c: 0 });
});
