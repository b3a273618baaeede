import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { HollowRuntime } from '../hollow/hollow-runtime.ts';
import { DiskPodStorage } from './disk-storage.ts';
import { PodManager } from './pod-manager.ts';
import { FakeApi, makePod } from './testing.ts';
import { manualClock } from './clock.ts';

describe('DiskPodStorage + termination messages', async () => {
  const root = await mkdtemp(join(tmpdir(), 'peapod-pods-'));
  after(() => rm(root, { recursive: true, force: true }));

  test('volumes: emptyDir, configMap items, downwardAPI; missing configMap → FailedMount wording', async () => {
    const storage = new DiskPodStorage(root);
    const api = new FakeApi();
    api.configMaps.set('default/cfg', { metadata: { name: 'cfg' }, data: { a: 'A', b: 'B' } });
    const pod = makePod('v', { containers: [{ name: 'c' }] });
    pod.spec = {
      ...pod.spec,
      containers: [{ name: 'c' }],
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'conf', configMap: { name: 'cfg', items: [{ key: 'a', path: 'dir/a.txt' }] } },
        { name: 'info', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
      ],
    };
    const vols = await storage.setUpVolumes(pod, { api, node: api.nodeInfo() });
    assert.equal((await stat(vols.get('scratch') ?? '')).isDirectory(), true);
    assert.equal(await readFile(join(vols.get('conf') ?? '', 'dir/a.txt'), 'utf8'), 'A');
    assert.equal(await readFile(join(vols.get('info') ?? '', 'name'), 'utf8'), 'v');
    pod.spec.volumes = [{ name: 'conf', configMap: { name: 'nope' } }];
    await assert.rejects(storage.setUpVolumes(pod, { api, node: api.nodeInfo() }), {
      message: 'MountVolume.SetUp failed for volume "conf" : configmap "nope" not found',
    });
    await storage.tearDown(pod.metadata?.uid ?? '');
    await assert.rejects(stat(join(root, pod.metadata?.uid ?? '')));
  });

  test('termination message from the file, and FallbackToLogsOnError from the log tail', async () => {
    const clock = manualClock();
    const runtime = new HollowRuntime({ podCidr: '10.42.0.0/24', clock });
    const logFile = join(root, 'ctr.log');
    await writeFile(
      logFile,
      '2026-01-01T00:00:00.000000000Z stdout F line one\n2026-01-01T00:00:00.000000000Z stderr P part\n2026-01-01T00:00:00.000000000Z stderr F ial\n',
    );
    runtime.logPath = () => logFile;
    const api = new FakeApi();
    const manager = new PodManager({ runtime, api, storage: new DiskPodStorage(root), clock });
    await manager.start(new AbortController().signal);
    const file = makePod(
      'msg',
      { containers: [{ name: 'app' }], restartPolicy: 'Never' },
      { 'peapod.dev/hollow-exit-after-seconds': '5', 'peapod.dev/hollow-exit-code': '0' },
    );
    const logs = makePod(
      'logs',
      { containers: [{ name: 'app', terminationMessagePolicy: 'FallbackToLogsOnError' }], restartPolicy: 'Never' },
      { 'peapod.dev/hollow-exit-after-seconds': '5', 'peapod.dev/hollow-exit-code': '2' },
    );
    manager.onPodUpdate(file);
    manager.onPodUpdate(logs);
    await manager.settled();
    await writeFile(join(root, file.metadata?.uid ?? '', 'containers/app/0.termination-log'), 'all done');
    clock.advance(5_000);
    await manager.settled();
    assert.equal(api.last('msg').containerStatuses?.[0]?.state?.terminated?.message, 'all done');
    assert.equal(api.last('logs').containerStatuses?.[0]?.state?.terminated?.message, 'line one\npartial\n');
    assert.equal(api.last('logs').phase, 'Failed');
  });
});
