import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Event } from 'kubernetes-types/core/v1.d.ts';
import { createFakeClock } from '../util/index.ts';
import { createEventRecorder } from './events.ts';
import { createClient, type Client } from './rest-client.ts';
import { startFakeApiServer, type FakeApiServer } from './testing/fake-apiserver.ts';
import { silentLogger } from './types.ts';

const EVENTS = '/api/v1/namespaces/default/events';
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '7' } };

describe('event recorder', () => {
  let server: FakeApiServer;
  let client: Client;
  before(async () => {
    server = await startFakeApiServer();
    client = createClient({ server: server.url });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('creates a core/v1 Event and folds identical repeats into its count', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 2, 3, 4, 5));
    const rec = createEventRecorder(client, { component: 'default-scheduler', host: 'node-1', clock, logger: silentLogger });
    rec.event(pod, { type: 'Warning', reason: 'FailedScheduling', message: '0/1 nodes are available' });
    clock.advance(2000);
    rec.event(pod, { type: 'Warning', reason: 'FailedScheduling', message: '0/1 nodes are available' });
    rec.event(pod, { type: 'Normal', reason: 'Scheduled', message: 'assigned default/web to node-1' });
    await rec.flush();
    const events = [...server.objects.values()].filter((s) => s.collection === EVENTS).map((s) => s.obj as Event);
    assert.equal(events.length, 2);
    const failed = events.find((e) => e.reason === 'FailedScheduling');
    assert.ok(failed);
    assert.equal(failed.count, 2);
    assert.equal(failed.firstTimestamp, '2026-01-02T03:04:05Z');
    assert.equal(failed.lastTimestamp, '2026-01-02T03:04:07Z');
    assert.deepEqual(failed.involvedObject, { kind: 'Pod', apiVersion: 'v1', namespace: 'default', name: 'web', uid: 'u1', resourceVersion: '7' });
    assert.deepEqual(failed.source, { component: 'default-scheduler', host: 'node-1' });
    assert.equal(failed.type, 'Warning');
    assert.equal(failed.reportingComponent, 'default-scheduler');
    assert.match(failed.metadata.name ?? '', /^web\.[0-9a-f]+$/);
    assert.equal(server.requests.filter((r) => r.path.startsWith(EVENTS) && r.method === 'PATCH').length, 1);
  });

  it('with delayMs, sends each write that long after the occurrence', async () => {
    const clock = createFakeClock(Date.UTC(2026, 1, 3, 4, 5, 6));
    const rec = createEventRecorder(client, { component: 'kubelet', clock, logger: silentLogger, delayMs: 250 });
    const before = server.requests.filter((r) => r.path.startsWith(EVENTS)).length;
    rec.event(pod, { type: 'Normal', reason: 'Pulled', message: 'Container image "busybox" already present on machine' });
    await new Promise((r) => setImmediate(r));
    clock.advance(249);
    await new Promise((r) => setImmediate(r));
    assert.equal(server.requests.filter((r) => r.path.startsWith(EVENTS)).length, before, 'nothing sent yet');
    clock.advance(1);
    await rec.flush();
    const sent = server.requests.filter((r) => r.path.startsWith(EVENTS)).slice(before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.method, 'POST');
    const body = JSON.parse(sent[0]?.body ?? '{}') as Event;
    assert.equal(body.reason, 'Pulled');
    assert.equal(body.firstTimestamp, '2026-02-03T04:05:06Z', 'stamped when it happened, not when sent');
  });

  it('writes a deleted (expired) Event again under its name, with the count so far, as client-go does', async () => {
    const rec = createEventRecorder(client, { component: 'kubelet', logger: silentLogger });
    const node = { kind: 'Node', apiVersion: 'v1', metadata: { name: 'n1', uid: 'n' } };
    rec.event(node, { type: 'Normal', reason: 'NodeReady', message: 'ready' });
    await rec.flush();
    const [stored] = [...server.objects.values()].filter((s) => (s.obj as Event).reason === 'NodeReady');
    assert.equal(stored?.obj.metadata?.namespace, 'default', 'cluster-scoped objects get events in default');
    server.remove(stored?.collection ?? '', stored?.obj.metadata?.name ?? '');
    rec.event(node, { type: 'Normal', reason: 'NodeReady', message: 'ready' });
    await rec.flush();
    const again = [...server.objects.values()].filter((s) => (s.obj as Event).reason === 'NodeReady');
    assert.equal(again.length, 1);
    assert.equal(again[0]!.obj.metadata?.name, stored?.obj.metadata?.name);
    assert.equal((again[0]!.obj as Event).count, 2);
  });

  it('stops writing about an object after a burst of 25 from one source (spam filter)', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 2, 3, 4, 5));
    const rec = createEventRecorder(client, { component: 'spammer', clock, logger: silentLogger });
    const noisy = { ...pod, metadata: { ...pod.metadata, name: 'noisy', uid: 'u-noisy' } };
    const writes = () => server.requests.filter((r) => r.path.startsWith(`${EVENTS}`) && (r.method === 'POST' || r.method === 'PATCH')).length;
    const before = writes();
    for (let i = 0; i < 40; i++) rec.event(noisy, { type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed' });
    await rec.flush();
    assert.equal(writes() - before, 25);
    const stored = [...server.objects.values()].map((s) => s.obj as Event).filter((e) => e.involvedObject?.name === 'noisy');
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.count, 25);
  });

  it('waits for its write budget when limited to a rate (kubelet --event-qps)', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 2, 3, 4, 5));
    const rec = createEventRecorder(client, { component: 'limited', clock, logger: silentLogger, qps: 1, burst: 2 });
    const objs = [0, 1, 2].map((i) => ({ ...pod, metadata: { ...pod.metadata, name: `q${i}`, uid: `uq${i}` } }));
    for (const o of objs) rec.event(o, { type: 'Normal', reason: 'Pulled', message: 'pulled' });
    const stored = () => [...server.objects.values()].filter((s) => (s.obj as Event).source?.component === 'limited').length;
    await eventuallyTrue(() => stored() === 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(stored(), 2, 'the third write waits for a token');
    clock.advance(1000);
    await rec.flush();
    assert.equal(stored(), 3);
  });

  it('writes one event at a time, in the order they happened, as client-go hands them to its sink', async () => {
    let inFlight = 0;
    let most = 0;
    const sent: string[] = [];
    const stub = {
      async create(_ref: unknown, _ns: unknown, ev: Event) {
        inFlight++;
        most = Math.max(most, inFlight);
        sent.push(`${ev.involvedObject.name}/${ev.reason}`);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return ev;
      },
    } as unknown as Client;
    const rec = createEventRecorder(stub, { component: 'kubelet', logger: silentLogger });
    const pods = [0, 1, 2].map((i) => ({ ...pod, metadata: { ...pod.metadata, name: `p${i}`, uid: `up${i}` } }));
    for (const p of pods) for (const reason of ['Pulled', 'Created', 'Started']) rec.event(p, { type: 'Normal', reason, message: reason });
    await rec.flush();
    assert.equal(most, 1, 'never two writes at once');
    assert.deepEqual(
      sent,
      pods.flatMap((p) => ['Pulled', 'Created', 'Started'].map((r) => `${p.metadata.name}/${r}`)),
    );
  });

  it('drops occurrences while maxPending writes wait, and writes again once they are done', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const sent: string[] = [];
    const stub = {
      async create(_ref: unknown, _ns: unknown, ev: Event) {
        await gate;
        sent.push(ev.involvedObject.name ?? '');
        return ev;
      },
    } as unknown as Client;
    const rec = createEventRecorder(stub, { component: 'kubelet', logger: silentLogger, maxPending: 2 });
    for (let i = 0; i < 5; i++)
      rec.event({ ...pod, metadata: { ...pod.metadata, name: `d${i}`, uid: `ud${i}` } }, { type: 'Normal', reason: 'R', message: 'm' });
    release();
    await rec.flush();
    assert.deepEqual(sent, ['d0', 'd1']);
    rec.event({ ...pod, metadata: { ...pod.metadata, name: 'later', uid: 'ulater' } }, { type: 'Normal', reason: 'R', message: 'm' });
    await rec.flush();
    assert.deepEqual(sent, ['d0', 'd1', 'later']);
  });

  it('never throws to the caller when the server is unreachable', async () => {
    const dead = createClient({ server: 'http://127.0.0.1:1' });
    const warnings: string[] = [];
    const rec = createEventRecorder(dead, { component: 'x', logger: { ...silentLogger, warn: (m) => warnings.push(m) } });
    assert.doesNotThrow(() => rec.event(pod, { type: 'Normal', reason: 'R', message: 'm' }));
    await rec.flush();
    assert.equal(warnings.length, 1);
    dead.close();
  });
});

async function eventuallyTrue(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond());
}
