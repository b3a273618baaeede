import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { HOLLOW_EXEC_FAIL_AFTER, HollowRuntime } from '../hollow/hollow-runtime.ts';
import { manualClock, type ManualClock } from '../pods/clock.ts';
import { harness, makePod, type Harness } from '../pods/testing.ts';
import { httpServer, type TestHttpServer } from '../probes/test-servers.ts';
import type { ExecIO } from '../runtime/index.ts';

/** A hollow runtime that logs execs and stops in one list shared with the test's HTTP server. */
class RecordingRuntime extends HollowRuntime {
  constructor(
    readonly log: string[],
    clock: ManualClock,
  ) {
    super({ podCidr: '10.42.0.0/24', clock });
  }
  override async exec(id: string, cmd: readonly string[], io: ExecIO): Promise<number> {
    this.log.push(`exec ${cmd.join(' ')}`);
    return super.exec(id, cmd, io);
  }
  override async stopContainer(id: string, grace: number, signal?: string): Promise<void> {
    this.log.push(`stop grace=${grace}`);
    return super.stopContainer(id, grace, signal);
  }
}

const web = (lifecycle: Container['lifecycle']): Container => ({ name: 'web', image: 'busybox', lifecycle });
const deleting = (pod: Pod): Pod => ({
  ...pod,
  metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds },
});
const events = (h: Harness, reason: string) => h.api.events.filter((e) => e.reason === reason).map((e) => e.message);
/** Lets promise chains and I/O run without moving the fake clock. */
const flush = async (rounds = 20) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

async function setup(log: string[]): Promise<Harness> {
  const clock = manualClock();
  return harness({ clock, runtime: new RecordingRuntime(log, clock) });
}

describe('lifecycle hooks', () => {
  let server: TestHttpServer;
  let log: string[];
  let release: (() => void) | undefined;
  before(async () => {
    server = await httpServer((req, res) => {
      log.push(`http ${req.url}`);
      if (req.url === '/slow') release = () => res.end('ok');
      else res.end('ok');
    });
  });
  after(() => server.close());
  const get = (path: string) => ({ httpGet: { host: '127.0.0.1', port: server.port, path } });

  test('postStart httpGet: the container is not Running until the hook answered', async () => {
    log = [];
    const h = await setup(log);
    h.manager.onPodUpdate(makePod('post', { containers: [web({ postStart: get('/slow') })] }));
    for (let i = 0; i < 200 && !release; i++) await flush(1);
    assert.ok(release, 'the hook reached the server');
    await flush();
    assert.ok(!h.api.statuses.some((s) => s.status.containerStatuses?.[0]?.state?.running), 'no Running status while the hook runs');
    release();
    await h.manager.settled();
    const s = h.api.last('post');
    assert.equal(s.phase, 'Running');
    assert.ok(s.containerStatuses?.[0]?.state?.running);
    assert.equal(server.requests.at(-1)?.headers['user-agent'], 'kube-lifecycle/1.32');
    h.abort.abort();
  });

  test('postStart exec failure: FailedPostStartHook, the container is killed', async () => {
    log = [];
    const h = await setup(log);
    const pod = makePod(
      'post-fail',
      { containers: [web({ postStart: { exec: { command: ['sh', '-c', 'exit 1'] } } })], restartPolicy: 'Never' },
      { [HOLLOW_EXEC_FAIL_AFTER]: '0' },
    );
    h.manager.onPodUpdate(pod);
    await h.manager.settled();
    const out = `sh: simulated failure (${HOLLOW_EXEC_FAIL_AFTER})\n`;
    assert.deepEqual(events(h, 'FailedPostStartHook'), [
      `Exec lifecycle hook ([sh -c exit 1]) for Container "web" in Pod "post-fail_default(${pod.metadata?.uid})" failed - error: command 'sh -c exit 1' exited with 1: ${out}, message: ${JSON.stringify(out)}`,
    ]);
    assert.deepEqual(events(h, 'Killing'), ['FailedPostStartHook']);
    const s = h.api.last('post-fail');
    assert.equal(s.phase, 'Failed');
    assert.equal(s.containerStatuses?.[0]?.state?.terminated?.exitCode, 143);
    assert.ok(!h.api.statuses.some((x) => x.status.containerStatuses?.[0]?.state?.running), 'never reported Running');
    h.abort.abort();
  });

  test('preStop exec and httpGet run before the stop signal', async () => {
    log = [];
    const h = await setup(log);
    const execPod = makePod('pre-exec', { containers: [web({ preStop: { exec: { command: ['nginx', '-s', 'quit'] } } })] });
    const httpPod = makePod('pre-http', { containers: [web({ preStop: get('/shutdown') })] });
    h.manager.onPodUpdate(execPod);
    h.manager.onPodUpdate(httpPod);
    await h.manager.settled();
    h.manager.onPodUpdate(deleting(execPod));
    await h.manager.settled();
    assert.deepEqual(log, ['exec nginx -s quit', 'stop grace=30']);
    log.length = 0;
    h.manager.onPodUpdate(deleting(httpPod));
    await h.manager.settled();
    assert.deepEqual(log, ['http /shutdown', 'stop grace=30']);
    assert.deepEqual(h.api.deleted, ['pre-exec', 'pre-http']);
    h.abort.abort();
  });

  test('a failing preStop records FailedPreStopHook and the container still stops', async () => {
    log = [];
    const h = await setup(log);
    const pod = makePod('pre-fail', { containers: [web({ preStop: { exec: { command: ['false'] } } })] }, { [HOLLOW_EXEC_FAIL_AFTER]: '0' });
    h.manager.onPodUpdate(pod);
    await h.manager.settled();
    h.manager.onPodUpdate(deleting(pod));
    await h.manager.settled();
    assert.equal(events(h, 'FailedPreStopHook').length, 1);
    assert.match(
      events(h, 'FailedPreStopHook')[0] ?? '',
      /^Exec lifecycle hook \(\[false\]\) for Container "web" in Pod "pre-fail_default\(.*\)" failed - error: command 'false' exited with 1: /,
    );
    assert.deepEqual(log, ['exec false', 'stop grace=30']);
    h.abort.abort();
  });

  test('preStop sleep delays the stop; the grace period cuts it short', async () => {
    for (const [sleep, grace, stopAfter] of [
      [5, 30, 5],
      [100, 10, 10],
    ] as const) {
      log = [];
      const h = await setup(log);
      const pod = makePod(`sleep-${sleep}`, { containers: [web({ preStop: { sleep: { seconds: sleep } } })] });
      pod.spec = { ...pod.spec, containers: pod.spec?.containers ?? [], terminationGracePeriodSeconds: grace };
      h.manager.onPodUpdate(pod);
      await h.manager.settled();
      h.manager.onPodUpdate(deleting(pod));
      await flush();
      for (let t = 1; t < stopAfter; t++) {
        h.clock.advance(1000);
        await flush();
        assert.deepEqual(log, [], `not stopped after ${t} s`);
      }
      h.clock.advance(1000);
      await h.manager.settled();
      assert.equal(log.length, 1);
      assert.match(log[0] ?? '', /^stop grace=/);
      assert.deepEqual(h.api.deleted, [`sleep-${sleep}`]);
      h.abort.abort();
    }
  });
});
