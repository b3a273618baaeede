import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import { HOLLOW_EXEC_FAIL_AFTER, HollowRuntime } from '../hollow/hollow-runtime.ts';
import { manualClock } from '../pods/clock.ts';
import type { ContainerRuntime } from '../runtime/index.ts';
import { runProbe, DEFAULT_HANDLERS } from './prober.ts';
import { closedPort, grpcHealthServer, httpServer, tcpServer, type TestHttpServer } from './test-servers.ts';
import type { ProbeKind } from './types.ts';

const pod: Pod = { metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { containers: [] } };
const container: Container = { name: 'web', image: 'busybox', ports: [{ name: 'http', containerPort: 0 }] };

async function probeOnce(probe: Probe, opts: { kind?: ProbeKind; runtime?: ContainerRuntime; containerId?: string; podIp?: string; c?: Container } = {}) {
  const timeoutSeconds = probe.timeoutSeconds ?? 1;
  return runProbe(probe, {
    kind: opts.kind ?? 'Liveness',
    handlers: DEFAULT_HANDLERS,
    target: {
      pod,
      container: opts.c ?? container,
      containerId: opts.containerId ?? 'none',
      podIp: opts.podIp ?? '127.0.0.1',
      runtime: opts.runtime ?? new HollowRuntime({ podCidr: '10.42.0.0/24' }),
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
      timeoutSeconds,
    },
  });
}

describe('httpGet probe', () => {
  let server: TestHttpServer;
  before(async () => {
    server = await httpServer((req, res) => {
      if (req.url === '/healthz') return void res.end('ok');
      if (req.url === '/fail') return void res.writeHead(500).end('boom');
      if (req.url === '/moved') return void res.writeHead(302, { location: '/healthz' }).end();
      if (req.url === '/away') return void res.writeHead(302, { location: 'http://192.0.2.1/x' }).end('elsewhere');
      if (req.url === '/hang') return; // never answers
      res.writeHead(404).end();
    });
  });
  after(() => server.close());

  test('2xx is success; port by name; kubelet headers plus the probe own, Host override', async () => {
    const c = { ...container, ports: [{ name: 'http', containerPort: server.port }] };
    const r = await probeOnce(
      {
        httpGet: {
          path: '/healthz',
          port: 'http',
          httpHeaders: [
            { name: 'X-Custom', value: 'v' },
            { name: 'Host', value: 'example.test' },
          ],
        },
      },
      { c },
    );
    assert.deepEqual(r, { verdict: 'success' });
    const seen = server.requests.at(-1)?.headers;
    assert.equal(seen?.['user-agent'], 'kube-probe/1.32');
    assert.equal(seen?.accept, '*/*');
    assert.equal(seen?.['x-custom'], 'v');
    assert.equal(seen?.host, 'example.test');
  });

  test('500 fails with the upstream event text', async () => {
    const r = await probeOnce({ httpGet: { path: '/fail', port: server.port } });
    assert.equal(r.verdict, 'failure');
    assert.deepEqual(r.event, { type: 'Warning', reason: 'Unhealthy', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500' });
  });

  test('redirects to the same host are followed; to another host it is a warning that counts as success', async () => {
    assert.deepEqual(await probeOnce({ httpGet: { path: '/moved', port: server.port } }), { verdict: 'success' });
    const away = await probeOnce({ httpGet: { path: '/away', port: server.port } }, { kind: 'Readiness' });
    assert.equal(away.verdict, 'success');
    assert.deepEqual(away.event, {
      type: 'Warning',
      reason: 'ProbeWarning',
      message: 'Readiness probe warning: Probe terminated redirects, Response body: elsewhere',
    });
  });

  test('connection refused and timeout fail with Go error text', async () => {
    const port = await closedPort();
    const refused = await probeOnce({ httpGet: { path: '/healthz', port } });
    assert.equal(
      refused.event?.message,
      `Liveness probe failed: Get "http://127.0.0.1:${port}/healthz": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    );
    const hung = await probeOnce({ httpGet: { path: '/hang', port: server.port }, timeoutSeconds: 1 });
    assert.equal(
      hung.event?.message,
      `Liveness probe failed: Get "http://127.0.0.1:${server.port}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    );
  });

  test('an unknown port name is a probe error (result thrown away)', async () => {
    const r = await probeOnce({ httpGet: { path: '/', port: 'metrics' } }, { kind: 'Readiness' });
    assert.equal(r.verdict, 'error');
    assert.match(r.event?.message ?? '', /^Readiness probe errored: couldn't find port: metrics/);
  });
});

describe('tcpSocket probe', () => {
  test('an open port succeeds, a closed one fails with the dial error', async () => {
    const s = await tcpServer();
    try {
      assert.deepEqual(await probeOnce({ tcpSocket: { port: s.port } }), { verdict: 'success' });
    } finally {
      await s.close();
    }
    const port = await closedPort();
    const r = await probeOnce({ tcpSocket: { port } });
    assert.equal(r.event?.message, `Liveness probe failed: dial tcp 127.0.0.1:${port}: connect: connection refused`);
  });
});

describe('grpc probe (grpc.health.v1)', () => {
  test('SERVING succeeds; NOT_SERVING, no health service and no server fail with upstream words', async () => {
    const s = await grpcHealthServer((service) => (service === 'db' ? 2 : 1));
    try {
      assert.deepEqual(await probeOnce({ grpc: { port: s.port } }), { verdict: 'success' });
      const bad = await probeOnce({ grpc: { port: s.port, service: 'db' } }, { kind: 'Readiness' });
      assert.equal(bad.event?.message, 'Readiness probe failed: service unhealthy (responded with "NOT_SERVING")');
    } finally {
      await s.close();
    }
    const port = await closedPort();
    const none = await probeOnce({ grpc: { port } });
    assert.match(none.event?.message ?? '', new RegExp(`^Liveness probe failed: timeout: failed to connect service "127.0.0.1:${port}" within 1s: `));
  });

  test('a server without the health service is reported as such', async () => {
    const { createServer } = await import('node:http2');
    const server = createServer();
    server.on('stream', (stream) =>
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown service' }, { endStream: true }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const r = await probeOnce({ grpc: { port } });
      assert.equal(
        r.event?.message,
        'Liveness probe failed: error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service',
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('exec probe', () => {
  test('runs through the runtime: exit 0 succeeds, non-zero fails with the output', async () => {
    const clock = manualClock();
    const rt = new HollowRuntime({ podCidr: '10.42.0.0/24', clock });
    await rt.createSandbox({ podUid: 'u1', podName: 'web', namespace: 'default' });
    const id = await rt.createContainer({ podUid: 'u1', name: 'web', image: 'busybox', labels: { [HOLLOW_EXEC_FAIL_AFTER]: '10' } });
    await rt.startContainer(id);
    const probe = { exec: { command: ['cat', '/tmp/health'] } };
    assert.deepEqual(await probeOnce(probe, { runtime: rt, containerId: id }), { verdict: 'success' });
    clock.advance(10_000);
    const r = await probeOnce(probe, { runtime: rt, containerId: id });
    assert.equal(r.verdict, 'failure');
    assert.equal(r.event?.message, `Liveness probe failed: cat: simulated failure (${HOLLOW_EXEC_FAIL_AFTER})\n`);
  });

  test('a command still running at the timeout fails as timed out', async () => {
    const stuck = new HollowRuntime({ podCidr: '10.42.0.0/24' });
    stuck.exec = (_id, _cmd, io) => new Promise((resolve) => io.signal?.addEventListener('abort', () => resolve(137)));
    const keepAlive = setInterval(() => undefined, 500); // AbortSignal.timeout's timer does not hold the loop open
    const r = await probeOnce({ exec: { command: ['sleep', '100'] }, timeoutSeconds: 1 }, { runtime: stuck }).finally(() => clearInterval(keepAlive));
    assert.equal(r.event?.message, 'Liveness probe failed: command "sleep 100" timed out');
  });
});
