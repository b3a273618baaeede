// The node lifecycle controller on a fake clock against the client's fake API server: a node is
// marked Unknown (with the unreachable taints) once its lease has not been renewed for the grace
// period — but not when the lease was renewed and only the watch event is late (the fake server
// can store a renewal without telling its watchers), the case a short grace period makes likely.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { createClient, createEventRecorder, createFakeClock, createInformerFactory, silentLogger, type Client } from '../../client/index.ts';
import { startFakeApiServer, type FakeApiServer } from '../../client/testing/fake-apiserver.ts';
import { createNodeLifecycleController, NODE_LEASE_NAMESPACE } from './node-lifecycle-controller.ts';

const NODES = '/api/v1/nodes';
const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/leases`;
const GRACE_MS = 3_000;

const node = (name: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '2026-12-06T00:00:00Z' }] },
});
const lease = (name: string, renewTime: string): Lease => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name, namespace: NODE_LEASE_NAMESPACE },
  spec: { holderIdentity: name, leaseDurationSeconds: 3, renewTime },
});

/** Lets the controller's HTTP round trips and watch events run (the fake clock does not move). */
async function settle(until: () => boolean = () => false, ms = 300): Promise<void> {
  const end = Date.now() + ms;
  while (!until() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

describe('node lifecycle controller', () => {
  let server: FakeApiServer;
  let client: Client;
  const clock = createFakeClock(Date.parse('2026-12-06T00:00:00Z'));
  const life = new AbortController();
  const stored = (name: string): Node => server.objects.get(`${NODES}/${name}`)?.obj as Node;
  const ready = (name: string): string | undefined => stored(name).status?.conditions?.find((c) => c.type === 'Ready')?.status;

  before(async () => {
    server = await startFakeApiServer();
    client = createClient({ server: server.url });
    server.put(NODES, node('n1'));
    server.put(LEASES, lease('n1', '2026-12-06T00:00:00.000000Z'));
    const informers = createInformerFactory(client, { clock, logger: silentLogger });
    const deps = { client, informers, clock, logger: silentLogger, recorder: createEventRecorder(client, { component: 'test', clock, logger: silentLogger }) };
    const controller = createNodeLifecycleController(deps, { gracePeriodMs: GRACE_MS });
    informers.start(life.signal);
    await informers.waitForSync(life.signal);
    void controller.run(life.signal);
    await settle();
  });

  after(async () => {
    life.abort();
    client.close();
    await server.close();
  });

  it('keeps a node whose renewal is stored but not yet seen on the watch, and marks a silent one Unknown', async () => {
    // The agent renewed; the controller's watch has not delivered it when the grace runs out.
    const key = `${LEASES}/n1`;
    const current = server.objects.get(key)!;
    server.objects.set(key, { ...current, obj: lease('n1', '2026-12-06T00:00:02.000000Z') });
    const seen = server.requests.length;
    const decided = (): boolean =>
      server.requests.slice(seen).some((r) => (r.method === 'GET' && r.path === `${LEASES}/n1`) || (r.method === 'PUT' && r.path.startsWith(`${NODES}/n1`)));
    clock.advance(GRACE_MS + 100);
    await settle(decided, 5_000);
    await settle();
    assert.equal(ready('n1'), 'True', 'a renewed node is not marked Unknown');
    assert.deepEqual(stored('n1').spec?.taints ?? [], []);

    // Then it really goes silent: one grace period after the renewal was found, it is Unknown.
    clock.advance(GRACE_MS + 100);
    await settle(() => (stored('n1').spec?.taints ?? []).length > 0, 5_000);
    assert.equal(ready('n1'), 'Unknown');
    const cond = stored('n1').status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(cond?.reason, 'NodeStatusUnknown');
    assert.equal(cond?.message, 'Kubelet stopped posting node status.');
    assert.deepEqual((stored('n1').spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort(), [
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);
  });
});
