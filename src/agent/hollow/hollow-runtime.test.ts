import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manualClock } from '../pods/clock.ts';
import { HOLLOW_EXIT_AFTER, HOLLOW_EXIT_CODE, HollowRuntime } from './hollow-runtime.ts';
import { IpPool } from './ip-pool.ts';

const sandbox = (uid: string) => ({ podUid: uid, podName: `p-${uid}`, namespace: 'default' });

describe('HollowRuntime', () => {
  test('sandboxes take distinct IPs from the pod CIDR and give them back', async () => {
    const rt = new HollowRuntime({ podCidr: '10.42.3.0/24' });
    const a = await rt.createSandbox(sandbox('a'));
    const b = await rt.createSandbox(sandbox('b'));
    assert.equal(a.ip, '10.42.3.2');
    assert.equal(b.ip, '10.42.3.3');
    assert.equal((await rt.createSandbox(sandbox('a'))).ip, a.ip, 'idempotent');
    await rt.removeSandbox('a');
    await rt.removeSandbox('a');
    assert.equal((await rt.createSandbox(sandbox('c'))).ip, '10.42.3.2', 'freed IP reused');
    assert.equal((await rt.listSandboxes()).length, 2);
  });

  test('the pool refuses to hand out more than the CIDR holds', () => {
    const pool = new IpPool('10.0.0.0/30');
    assert.equal(pool.allocate(), '10.0.0.2');
    assert.throws(() => pool.allocate(), /no IP addresses available/);
  });

  test('containers run at once until stopped; exit after the labelled time with the labelled code', async () => {
    const clock = manualClock();
    const rt = new HollowRuntime({ podCidr: '10.42.0.0/24', clock });
    await rt.createSandbox(sandbox('p'));
    const exits: string[] = [];
    rt.onContainerExit((_uid, id) => exits.push(id));
    const forever = await rt.createContainer({ podUid: 'p', name: 'web', image: 'busybox' });
    const job = await rt.createContainer({
      podUid: 'p',
      name: 'job',
      image: 'busybox',
      attempt: 3,
      labels: { [HOLLOW_EXIT_AFTER]: '5', [HOLLOW_EXIT_CODE]: '0', [`${HOLLOW_EXIT_CODE}.job`]: '7' },
    });
    assert.equal((await rt.containerStatus(job))?.state, 'created');
    await rt.startContainer(forever);
    await rt.startContainer(job);
    assert.equal((await rt.containerStatus(job))?.state, 'running');
    clock.advance(4_999);
    assert.equal((await rt.containerStatus(job))?.state, 'running');
    clock.advance(1);
    await Promise.resolve();
    const st = await rt.containerStatus(job);
    assert.equal(st?.state, 'exited');
    assert.equal(st?.exitCode, 7, 'per-container key wins');
    assert.equal(st?.finishedAt, new Date(clock.now()).toISOString());
    assert.deepEqual(exits, [job]);
    assert.equal(await rt.exec(forever, ['true'], {}), 0);
    await rt.stopContainer(forever, 30);
    assert.equal((await rt.containerStatus(forever))?.exitCode, 143);
    const listed = await rt.listContainers();
    assert.deepEqual(listed.map((c) => [c.name, c.attempt]).sort(), [
      ['job', 3],
      ['web', 0],
    ]);
    await rt.removeContainer(job);
    await rt.removeContainer(job);
    assert.equal(await rt.containerStatus(job), undefined);
  });

  test('missing images and missing sandboxes are errors', async () => {
    const rt = new HollowRuntime({ podCidr: '10.42.0.0/24', imageExists: (r) => r === 'busybox' });
    await assert.rejects(rt.createContainer({ podUid: 'x', name: 'c', image: 'busybox' }), /sandbox/);
    await rt.createSandbox(sandbox('x'));
    await assert.rejects(rt.createContainer({ podUid: 'x', name: 'c', image: 'nginx' }), { name: 'ImageNotFoundError' });
  });

  test('thousands of pods are cheap', async () => {
    const rt = new HollowRuntime({ podCidr: '10.0.0.0/16' });
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 5000; i++) {
      await rt.createSandbox(sandbox(`u${i}`));
      await rt.startContainer(await rt.createContainer({ podUid: `u${i}`, name: 'c', image: 'busybox' }));
    }
    const perPod = (process.memoryUsage().heapUsed - before) / 5000;
    assert.ok(perPod < 10_000, `~${Math.round(perPod)} bytes per pod`);
  });
});
