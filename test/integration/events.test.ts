// Events as a user sees them with kubectl: a failing readiness probe reported every second is one
// Event whose count grows ("(x5 over 5s)" in `kubectl events` and `kubectl describe`), not one
// object per failure; and Events disappear once --event-ttl has passed since their last write.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Event, EventList } from 'kubernetes-types/core/v1.js';
import { startHollowNodes, type HollowNodes } from './hollow-harness.ts';
import { API_ONLY, eventually, kubectlOk, startServer, type TestServer } from './harness.ts';

const POD = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'flaky', annotations: { 'peapod.dev/hollow-exec-fail-after-seconds': '0' } },
  spec: {
    containers: [
      {
        name: 'web',
        image: 'busybox',
        readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 },
      },
    ],
  },
});

describe('a repeated event', () => {
  let server: TestServer;
  let nodes: HollowNodes | undefined;
  before(async () => {
    server = await startServer({ args: ['--disable', 'agent'] });
    nodes = await startHollowNodes(server, { count: 1, prefix: 'ev-node-' });
  });
  after(async () => {
    await nodes?.stop();
    await server?.stop();
  });

  it('is one Event whose count and lastTimestamp grow, shown as (xN over ...) by kubectl', async () => {
    await kubectlOk(server, ['apply', '-f', '-'], POD);
    const unhealthy = await eventually(
      'the readiness failure counted 4 times',
      async () => {
        const list = JSON.parse(
          await kubectlOk(server, ['get', 'events', '--field-selector', 'involvedObject.name=flaky,reason=Unhealthy', '-o', 'json']),
        ) as EventList;
        return list.items.length === 1 && (list.items[0]!.count ?? 0) >= 4 ? list.items[0] : undefined;
      },
      60_000,
    );
    assert.match(unhealthy.message ?? '', /^Readiness probe failed: /);
    assert.equal(unhealthy.type, 'Warning');
    assert.deepEqual(unhealthy.source, { component: 'kubelet', host: 'ev-node-0' });
    assert.ok((unhealthy.lastTimestamp ?? '') > (unhealthy.firstTimestamp ?? ''), `${unhealthy.firstTimestamp} .. ${unhealthy.lastTimestamp}`);
    assert.match(unhealthy.metadata?.name ?? '', /^flaky\.[0-9a-f]+$/);

    const later = await eventually('a later count', async () => {
      const e = JSON.parse(await kubectlOk(server, ['get', 'event', unhealthy.metadata!.name!, '-o', 'json'])) as Event;
      return (e.count ?? 0) > (unhealthy.count ?? 0) ? e : undefined;
    });
    assert.equal(later.firstTimestamp, unhealthy.firstTimestamp, 'the same Event, patched');

    const table = await kubectlOk(server, ['events', '--for', 'pod/flaky', '--types', 'Warning']);
    assert.match(table, /\(x\d+ over \d+s\)\s+Warning\s+Unhealthy\s+Pod\/flaky\s+Readiness probe failed/, table);
    const describe = await kubectlOk(server, ['describe', 'pod', 'flaky']);
    assert.match(describe, /Warning\s+Unhealthy\s+\S+ \(x\d+ over \S+\)\s+kubelet\s+Readiness probe failed/, describe);
  });
});

describe('--event-ttl', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ args: [...API_ONLY, '--event-ttl', '2s'] });
  });
  after(async () => {
    await server?.stop();
  });

  it('deletes Events once their TTL has passed since their last write, and nothing else', async () => {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'short-lived', namespace: 'default' },
      involvedObject: { kind: 'ConfigMap', name: 'settings', namespace: 'default' },
      reason: 'Testing',
      message: 'gone in 2 s',
      type: 'Normal',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    await kubectlOk(server, ['create', '-f', '-'], JSON.stringify(event));
    await kubectlOk(server, ['create', 'configmap', 'settings', '--from-literal', 'a=b']);
    assert.match(await kubectlOk(server, ['get', 'events', '-o', 'name']), /event\/short-lived/);
    await eventually('the Event expired', async () => (await kubectlOk(server, ['get', 'events', '-o', 'name'])).trim() === '', 30_000, 500);
    assert.equal((await kubectlOk(server, ['get', 'configmap', 'settings', '-o', 'name'])).trim(), 'configmap/settings');
  });
});
