import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { collectImages } from './image-gc.ts';
import { ImageStore } from './image-store.ts';

let dir = '';
let store: ImageStore;
const MB = 1_000_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peapod-gc-'));
  store = new ImageStore({ dataDir: dir });
  const add = async (name: string, ageMin: number, layer: string): Promise<void> => {
    await store.putLayer(`sha256:${layer}`, (dest) => mkdir(dest, { recursive: true }).then(() => undefined));
    await store.addImage({
      id: `sha256:${name}`,
      names: [`${name}:1`],
      layers: [`sha256:${layer}`],
      config: {},
      size: 10 * MB,
      importedAt: new Date(T0 - ageMin * 60_000).toISOString(),
    });
  };
  await add('ancient', 60, 'l0');
  await add('oldest', 50, 'l1');
  await add('used', 40, 'l2');
  await add('older', 30, 'l3');
  await add('newer', 20, 'l1');
  await add('fresh', 1, 'l4');
  await store.putLayer('sha256:b0', (dest) => mkdir(dest, { recursive: true }).then(() => undefined));
  await store.addImage({
    id: 'sha256:bb',
    names: ['busybox:latest'],
    layers: ['sha256:b0'],
    config: {},
    size: 10 * MB,
    importedAt: new Date(T0 - 90 * 60_000).toISOString(),
  });
});

after(() => rm(dir, { recursive: true, force: true }));

test('below the high threshold nothing is removed', async () => {
  const r = await collectImages({ store, inUse: async () => new Set(), now: () => T0, diskUsage: async () => ({ capacity: 100 * MB, available: 16 * MB }) });
  assert.equal(Math.round(r.usagePercent), 84);
  assert.deepEqual(r.removed, []);
});

test('at 85% unused images go oldest first until usage would be 80%; in-use, busybox and young images stay', async () => {
  // 95% used: 15 MB must go to reach 80%, i.e. two 10 MB images.
  const r = await collectImages({
    store,
    inUse: async () => new Set(['sha256:used']),
    now: () => T0,
    diskUsage: async () => ({ capacity: 100 * MB, available: 5 * MB }),
  });
  assert.deepEqual(r.removed, ['sha256:ancient', 'sha256:oldest']);
  const left = (await store.list()).map((i) => i.id).sort();
  assert.deepEqual(left, ['sha256:bb', 'sha256:fresh', 'sha256:newer', 'sha256:older', 'sha256:used']);
  assert.ok(store.hasLayer('sha256:l1'), 'a layer still used by another image stays');
  assert.ok(!store.hasLayer('sha256:l0'), 'an unused layer goes');
  const all = await collectImages({
    store,
    inUse: async () => new Set(['sha256:used']),
    now: () => T0,
    diskUsage: async () => ({ capacity: 100 * MB, available: 0 }),
  });
  assert.deepEqual(all.removed, ['sha256:older', 'sha256:newer'], 'never busybox:latest, the in-use image or one younger than 2 minutes');
  assert.deepEqual((await store.list()).map((i) => i.id).sort(), ['sha256:bb', 'sha256:fresh', 'sha256:used']);
});
