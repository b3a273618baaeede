import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from '../../testing/plugin-harness.ts';
import { makeNode, makePod } from '../../testing/fixtures.ts';
import { normalizedImageName } from './image-locality.ts';

const MB = 1024 * 1024;

test('normalizes image names as kubelet reports them', () => {
  assert.equal(normalizedImageName('nginx'), 'docker.io/library/nginx:latest');
  assert.equal(normalizedImageName('user/app:1'), 'docker.io/user/app:1');
  assert.equal(normalizedImageName('registry.local:5000/app'), 'registry.local:5000/app:latest');
});

test('nodes holding big images score higher, scaled by spread', () => {
  const nodes = [makeNode('has', { images: [{ names: ['docker.io/library/big:1'], sizeBytes: 500 * MB }] }), makeNode('none')];
  const h = harness(['ImageLocality'], nodes);
  const pod = makePod('p', { containers: [{ name: 'c', image: 'big:1' }] });
  // 500MB * 1/2 nodes = 250MB → (250-23)/(1000-23) * 100 = 23
  assert.deepEqual(h.score(pod), { has: 23, none: 0 });
});
