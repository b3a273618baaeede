// The upstream conformance probe cases (test/e2e/common/node/container_probe.go), run through the
// real pod workers on the hollow runtime with a fake clock; http/tcp probes hit local servers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Container, PodStatus, Probe } from 'kubernetes-types/core/v1.js';
import { HOLLOW_EXEC_FAIL_AFTER } from '../hollow/hollow-runtime.ts';
import { harness, makePod, type Harness } from '../pods/testing.ts';
import { httpServer, tcpServer, type TestHttpServer } from './test-servers.ts';

const web = (probes: Partial<Pick<Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'>>): Container => ({
  name: 'web',
  image: 'busybox',
  ...probes,
});
const cs = (s: PodStatus) => {
  const c = s.containerStatuses?.[0];
  assert.ok(c);
  return c;
};
const cond = (s: PodStatus, type: string) => s.conditions?.find((c) => c.type === type);
const events = (h: Harness, reason: string) => h.api.events.filter((e) => e.reason === reason).map((e) => e.message);
/** Every restartCount the pod reported, in order. */
const restartCounts = (h: Harness, name: string) =>
  h.api.statuses.filter((s) => s.name === name).map((s) => s.status.containerStatuses?.[0]?.restartCount ?? 0);

async function start(pod: ReturnType<typeof makePod>): Promise<Harness> {
  const h = await harness();
  h.manager.onPodUpdate(pod);
  await h.manager.settled();
  return h;
}
const stop = (h: Harness) => h.abort.abort();

describe('conformance: container probes', () => {
  let server: TestHttpServer;
  let healthy = true;
  before(async () => {
    server = await httpServer((req, res) => {
      if (req.url === '/toggle') return void res.writeHead(healthy ? 200 : 503).end();
      res.writeHead(req.url === '/healthz' ? 200 : 500).end();
    });
  });
  after(() => server.close());
  const http = (path: string, extra: Partial<Probe> = {}): Probe => ({ httpGet: { host: '127.0.0.1', port: server.port, path }, ...extra });

  test('readiness with initialDelaySeconds 15: not ready before 15 s, then ready, never restarted', async () => {
    const h = await start(
      makePod('ready', { containers: [web({ readinessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 15, periodSeconds: 1 } })] }),
    );
    let s = h.api.last('ready');
    assert.equal(s.phase, 'Running');
    assert.equal(cs(s).ready, false);
    assert.equal(cond(s, 'Ready')?.status, 'False');
    assert.equal(cond(s, 'ContainersReady')?.message, 'containers with unready status: [web]');
    await h.advance(14_000);
    assert.equal(cs(h.api.last('ready')).ready, false, 'not ready before the initial delay');
    await h.advance(2_000);
    s = h.api.last('ready');
    assert.equal(cs(s).ready, true);
    assert.equal(cond(s, 'Ready')?.status, 'True');
    assert.equal(cond(s, 'ContainersReady')?.status, 'True');
    await h.advance(120_000);
    assert.equal(cs(h.api.last('ready')).restartCount, 0);
    assert.deepEqual(events(h, 'Killing'), []);
    stop(h);
  });

  test('exec liveness `cat /tmp/health` failing after 10 s (failureThreshold 1) restarts once', async () => {
    const pod = makePod(
      'liveness-exec',
      {
        containers: [web({ livenessProbe: { exec: { command: ['cat', '/tmp/health'] }, initialDelaySeconds: 15, failureThreshold: 1, periodSeconds: 10 } })],
      },
      { [HOLLOW_EXEC_FAIL_AFTER]: '10' },
    );
    const h = await start(pod);
    await h.advance(14_000);
    assert.equal(cs(h.api.last('liveness-exec')).restartCount, 0);
    await h.advance(10_000);
    const s = h.api.last('liveness-exec');
    assert.equal(cs(s).restartCount, 1);
    assert.ok(cs(s).state?.running, 'running again');
    assert.equal(cs(s).lastState?.terminated?.exitCode, 143);
    assert.deepEqual(events(h, 'Unhealthy'), [`Liveness probe failed: cat: simulated failure (${HOLLOW_EXEC_FAIL_AFTER})\n`]);
    assert.deepEqual(events(h, 'Killing'), ['Container web failed liveness probe, will be restarted']);
    const order = h.api.events.map((e) => e.reason);
    assert.ok(order.indexOf('Unhealthy') < order.indexOf('Killing'));
    stop(h);
  });

  test('exec liveness whose file is kept never restarts', async () => {
    const h = await start(
      makePod('liveness-kept', {
        containers: [web({ livenessProbe: { exec: { command: ['cat', '/tmp/health'] }, initialDelaySeconds: 15, failureThreshold: 1 } })],
      }),
    );
    await h.advance(240_000);
    assert.equal(cs(h.api.last('liveness-kept')).restartCount, 0);
    assert.deepEqual(events(h, 'Unhealthy'), []);
    stop(h);
  });

  test('failing httpGet liveness restarts with `HTTP probe failed with statuscode: 500`', async () => {
    const h = await start(
      makePod('liveness-http', { containers: [web({ livenessProbe: http('/broken', { initialDelaySeconds: 15, failureThreshold: 1 }) })] }),
    );
    await h.advance(30_000);
    assert.ok(cs(h.api.last('liveness-http')).restartCount >= 1);
    assert.equal(events(h, 'Unhealthy')[0], 'Liveness probe failed: HTTP probe failed with statuscode: 500');
    assert.equal(events(h, 'Killing')[0], 'Container web failed liveness probe, will be restarted');
    stop(h);
  });

  test('a passing httpGet liveness never restarts', async () => {
    const h = await start(makePod('liveness-ok', { containers: [web({ livenessProbe: http('/healthz', { initialDelaySeconds: 15, failureThreshold: 1 }) })] }));
    await h.advance(120_000);
    assert.equal(cs(h.api.last('liveness-ok')).restartCount, 0);
    stop(h);
  });

  test('tcp liveness on an open port never restarts', async () => {
    const tcp = await tcpServer();
    try {
      const h = await start(
        makePod('liveness-tcp', {
          containers: [web({ livenessProbe: { tcpSocket: { host: '127.0.0.1', port: tcp.port }, initialDelaySeconds: 15, failureThreshold: 1 } })],
        }),
      );
      await h.advance(120_000);
      assert.equal(cs(h.api.last('liveness-tcp')).restartCount, 0);
      stop(h);
    } finally {
      await tcp.close();
    }
  });

  test('restart count only grows under a failing liveness probe', async () => {
    const h = await start(
      makePod('liveness-grow', { containers: [web({ livenessProbe: http('/broken', { initialDelaySeconds: 5, failureThreshold: 1, periodSeconds: 1 }) })] }),
    );
    await h.advance(300_000);
    const counts = restartCounts(h, 'liveness-grow');
    assert.ok((counts.at(-1) ?? 0) >= 4, `restarted several times: ${counts.at(-1)}`);
    for (let i = 1; i < counts.length; i++) assert.ok((counts[i] ?? 0) >= (counts[i - 1] ?? 0), `restartCount went from ${counts[i - 1]} to ${counts[i]}`);
    stop(h);
  });

  test('readiness drives ready and the conditions both ways, without restarts', async () => {
    healthy = true;
    const h = await start(makePod('flip', { containers: [web({ readinessProbe: http('/toggle', { periodSeconds: 10, failureThreshold: 2 }) })] }));
    assert.equal(cs(h.api.last('flip')).ready, true, 'probed as soon as the container started');
    healthy = false;
    await h.advance(1_000);
    assert.equal(cs(h.api.last('flip')).ready, true, 'one failure is below failureThreshold 2');
    await h.advance(10_000);
    let s = h.api.last('flip');
    assert.equal(cs(s).ready, false);
    assert.equal(cond(s, 'Ready')?.reason, 'ContainersNotReady');
    assert.deepEqual(events(h, 'Unhealthy').slice(0, 1), ['Readiness probe failed: HTTP probe failed with statuscode: 503']);
    healthy = true;
    await h.advance(10_000);
    s = h.api.last('flip');
    assert.equal(cs(s).ready, true);
    assert.equal(cond(s, 'ContainersReady')?.status, 'True');
    assert.equal(cs(s).restartCount, 0);
    stop(h);
  });
});

describe('startup probe', () => {
  let server: TestHttpServer;
  let up = false;
  before(async () => {
    server = await httpServer((req, res) => res.writeHead(req.url === '/startup' ? (up ? 200 : 500) : req.url === '/broken' ? 500 : 200).end());
  });
  after(() => server.close());
  const http = (path: string, extra: Partial<Probe> = {}): Probe => ({ httpGet: { host: '127.0.0.1', port: server.port, path }, periodSeconds: 1, ...extra });

  test('holds liveness and readiness back until it succeeds', async () => {
    up = false;
    const h = await start(
      makePod('slow', {
        containers: [
          web({
            startupProbe: http('/startup', { failureThreshold: 60 }),
            livenessProbe: http('/broken', { failureThreshold: 1 }),
            readinessProbe: http('/ready'),
          }),
        ],
      }),
    );
    await h.advance(20_000);
    let s = h.api.last('slow');
    assert.equal(cs(s).started, false);
    assert.equal(cs(s).ready, false);
    assert.equal(cs(s).restartCount, 0, 'liveness does not run before the container started');
    assert.ok(events(h, 'Unhealthy').every((m) => m.startsWith('Startup probe failed: ')));
    up = true;
    await h.advance(1_000);
    s = h.api.last('slow');
    assert.equal(cs(s).started, true);
    assert.equal(cs(s).ready, true, 'readiness probed right after startup succeeded');
    await h.advance(2_000);
    assert.equal(events(h, 'Killing')[0], 'Container web failed liveness probe, will be restarted', 'liveness runs once started');
    stop(h);
  });

  test('a startup probe past failureThreshold restarts the container', async () => {
    up = false;
    const h = await start(makePod('never-up', { containers: [web({ startupProbe: http('/startup', { failureThreshold: 3 }) })] }));
    await h.advance(4_000);
    assert.equal(cs(h.api.last('never-up')).restartCount, 1);
    assert.equal(events(h, 'Killing')[0], 'Container web failed startup probe, will be restarted');
    stop(h);
  });

  test('probes stop once the pod is deleted', async () => {
    const pod = makePod('gone', { containers: [web({ readinessProbe: http('/ready'), livenessProbe: http('/ready') })] });
    const h = await start(pod);
    await h.advance(3_000);
    h.manager.onPodUpdate({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:03Z', deletionGracePeriodSeconds: 0 } });
    await h.manager.settled();
    assert.deepEqual(h.api.deleted, ['gone']);
    const seen = server.requests.length;
    await h.advance(5_000);
    assert.equal(server.requests.length, seen, 'no probe after the pod is gone');
    stop(h);
  });
});
