// Probes and lifecycle hooks on real containers (the upstream conformance cases, shortened), driven
// by the real kubectl against `peapod server` with its embedded agent. Root only; the run uses its
// own node name, pod subnet and bridge and removes them at the end.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { eventually, kubectl, sleep, type TestServer } from '../integration/harness.ts';
import { deletePodsAndStop, startNodeServer, destroyTestNode, e2eSkipReason, getPod, waitPod, type TestNode } from './e2e-harness.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';

const skip = skipUnlessCI(e2eSkipReason());

function pod(name: string, node: TestNode, containers: Container[]): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: node.nodeName, terminationGracePeriodSeconds: 2, containers } };
}
const restarts = (p: Pod): number => p.status?.containerStatuses?.[0]?.restartCount ?? 0;
const ready = (p: Pod): boolean => p.status?.containerStatuses?.[0]?.ready === true;

describe('probes and hooks on real containers', { skip, timeout: 170_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;
  const apply = async (obj: Pod) => {
    const r = await kubectl(server!, ['apply', '-f', '-'], { input: JSON.stringify(obj) });
    assert.equal(r.code, 0, r.stderr);
  };
  const events = async (name: string): Promise<string> =>
    (
      await kubectl(server!, [
        'get',
        'events',
        '--field-selector',
        `involvedObject.name=${name}`,
        '-o',
        'custom-columns=REASON:.reason,MESSAGE:.message',
        '--no-headers',
      ])
    ).stdout;

  before(async () => {
    ({ node, server } = await startNodeServer('prb'));
  });

  after(async () => {
    if (!server) return;
    await deletePodsAndStop(server, node);
    await destroyTestNode(node);
  });

  test('liveness (exec, httpGet, tcp) and readiness with an initial delay, side by side', async () => {
    const httpd = ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'];
    await apply(
      pod('liveness-exec', node, [
        {
          name: 'app',
          image: 'busybox',
          command: ['sh', '-c', 'echo ok > /tmp/health; sleep 4; rm -f /tmp/health; sleep 600'],
          livenessProbe: { exec: { command: ['cat', '/tmp/health'] }, initialDelaySeconds: 6, periodSeconds: 2, failureThreshold: 1 },
        },
      ]),
    );
    await apply(
      pod('liveness-kept', node, [
        {
          name: 'app',
          image: 'busybox',
          command: ['sh', '-c', 'echo ok > /tmp/health; sleep 600'],
          livenessProbe: { exec: { command: ['cat', '/tmp/health'] }, initialDelaySeconds: 2, periodSeconds: 2, failureThreshold: 1 },
        },
      ]),
    );
    await apply(
      pod('liveness-http', node, [
        {
          name: 'web',
          image: 'busybox',
          command: httpd,
          ports: [{ name: 'http', containerPort: 8080 }],
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 3, periodSeconds: 2, failureThreshold: 1 },
        },
      ]),
    );
    await apply(
      pod('liveness-tcp', node, [
        {
          name: 'web',
          image: 'busybox',
          command: httpd,
          livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 2, periodSeconds: 2, failureThreshold: 1 },
          readinessProbe: { httpGet: { path: '/', port: 8080 }, initialDelaySeconds: 8, periodSeconds: 1 },
        },
      ]),
    );

    const running = await waitPod(server!, 'liveness-tcp', 'running', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
    const startedAt = Date.parse(running.status?.containerStatuses?.[0]?.state?.running?.startedAt ?? '');
    assert.equal(ready(running), false);
    const readyPod = await waitPod(server!, 'liveness-tcp', 'ready', ready, 40_000);
    const readyAt = Date.parse(readyPod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '');
    assert.ok(readyAt - startedAt >= 8_000, `ready ${readyAt - startedAt} ms after the start, not before the 8 s initial delay`);

    await waitPod(server!, 'liveness-exec', 'restarted', (p) => restarts(p) >= 1, 60_000);
    assert.match(await events('liveness-exec'), /Unhealthy\s+Liveness probe failed: cat: can't open '\/tmp\/health': No such file or directory/);
    assert.match(await events('liveness-exec'), /Killing\s+Container app failed liveness probe, will be restarted/);
    await waitPod(server!, 'liveness-http', 'restarted', (p) => restarts(p) >= 1, 60_000);
    assert.match(await events('liveness-http'), /Unhealthy\s+Liveness probe failed: HTTP probe failed with statuscode: 404/);

    let last = -1;
    for (let i = 0; i < 5; i++) {
      const count = restarts((await getPod(server!, 'liveness-http'))!);
      assert.ok(count >= last, 'restart count only grows');
      last = count;
      await sleep(1000);
    }
    assert.equal(restarts((await getPod(server!, 'liveness-kept'))!), 0, 'the kept file never fails');
    assert.equal(restarts((await getPod(server!, 'liveness-tcp'))!), 0, 'an open port never fails');
  });

  test('postStart and preStop httpGet and preStop exec reach a handler pod, seen in its logs', async () => {
    await apply(
      pod('handler', node, [
        {
          name: 'srv',
          image: 'busybox',
          // Answers every request and prints its request line, so `kubectl logs handler` shows it. One
          // process per connection (nc -ll -e): the two preStop hooks arrive at the same moment. The
          // headers are read to their blank line before answering: closing with unread request bytes
          // makes the kernel reset the connection, and wget then fails after reading "ok".
          command: [
            'sh',
            '-c',
            [
              `printf '%s\\n' '#!/bin/sh' 'read -r line; echo "$line" > /proc/1/fd/1' 'while read -r h && [ "\${#h}" -gt 1 ]; do :; done' "printf 'HTTP/1.0 200 OK\\r\\n\\r\\nok'" > /tmp/answer`,
              'chmod +x /tmp/answer',
              'exec nc -ll -p 8080 -e /tmp/answer',
            ].join(' && '),
          ],
        },
      ]),
    );
    const handler = await waitPod(
      server!,
      'handler',
      'running',
      (p) => p.status?.podIP !== undefined && p.status.containerStatuses?.[0]?.state?.running !== undefined,
    );
    const ip = handler.status?.podIP ?? '';
    const logs = async (): Promise<string> => (await kubectl(server!, ['logs', 'handler'])).stdout;
    await apply(
      pod('hooked', node, [
        {
          name: 'app',
          image: 'busybox',
          command: ['sh', '-c', 'sleep 600'],
          lifecycle: {
            postStart: { httpGet: { host: ip, port: 8080, path: '/echo?msg=poststart' } },
            preStop: { httpGet: { host: ip, port: 8080, path: '/echo?msg=prestop' } },
          },
        },
        {
          name: 'app2',
          image: 'busybox',
          command: ['sh', '-c', 'sleep 600'],
          lifecycle: { preStop: { exec: { command: ['wget', '-qO-', `http://${ip}:8080/echo?msg=prestop-exec`] } } },
        },
      ]),
    );
    await waitPod(server!, 'hooked', 'running', (p) => p.status?.phase === 'Running', 40_000);
    await eventually('postStart request in the handler logs', async () => (await logs()).includes('GET /echo?msg=poststart'), 15_000);
    assert.doesNotMatch(await logs(), /prestop/, 'no preStop request before the deletion');
    const del = await kubectl(server!, ['delete', 'pod', 'hooked', '--timeout=30s']);
    assert.equal(del.code, 0, del.stderr);
    const seen = await logs();
    assert.match(seen, /GET \/echo\?msg=prestop HTTP/, 'preStop httpGet ran before the pod was gone');
    assert.match(seen, /GET \/echo\?msg=prestop-exec HTTP/, 'preStop exec ran before the pod was gone');
    assert.doesNotMatch(await events('hooked'), /FailedPreStopHook|FailedPostStartHook/);
  });
});
