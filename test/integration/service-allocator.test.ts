// ClusterIP and NodePort allocation under load and across restarts, on a small range so that an
// allocator that forgot or double-booked anything would collide quickly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from 'kubernetes-types/core/v1.js';
import { API_ONLY, api, startServer, type TestServer } from './harness.ts';

const ARGS = [...API_ONLY, '--service-cluster-ip-range', '10.43.0.0/25', '--service-node-port-range', '30000-30149'];
let dir: string;
let server: TestServer;

const svc = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { ports: [{ port: 80 }], ...spec },
});

async function create(name: string, spec: Record<string, unknown> = {}): Promise<{ status: number; svc: Service; message: string }> {
  const r = await api(server, 'POST', '/api/v1/namespaces/default/services', { body: svc(name, spec) });
  const body = r.json<Service & { message?: string }>();
  return { status: r.status, svc: body, message: body.message ?? '' };
}

async function list(): Promise<Service[]> {
  const r = await api(server, 'GET', '/api/v1/services');
  return r.json<{ items: Service[] }>().items;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peapod-svc-alloc-'));
  server = await startServer({ dataDir: dir, args: ARGS });
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('service IP and port allocation', () => {
  it('50 concurrent creates get 50 distinct IPs, 30 NodePort ones distinct ports', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => create(`c${i}`)));
    for (const r of results) assert.equal(r.status, 201, r.message);
    const ips = results.map((r) => r.svc.spec?.clusterIP ?? '');
    assert.equal(new Set(ips).size, 50);
    for (const ip of ips) assert.match(ip, /^10\.43\.0\.(\d+)$/);
    const system = (await list()).filter((s) => s.metadata?.namespace !== 'default' || s.metadata?.name === 'kubernetes').map((s) => s.spec?.clusterIP);
    for (const ip of system) assert.ok(!ips.includes(ip ?? ''), `${ip} handed out twice`);
    const nps = await Promise.all(Array.from({ length: 30 }, (_, i) => create(`n${i}`, { type: 'NodePort' })));
    for (const r of nps) assert.equal(r.status, 201, r.message);
    const ports = nps.map((r) => r.svc.spec?.ports?.[0]?.nodePort ?? 0);
    assert.equal(new Set(ports).size, 30);
    for (const p of ports) assert.ok(p >= 30000 && p <= 30149, String(p));
  });

  it('after a restart nothing in use is handed out again', async () => {
    const before = new Map((await list()).map((s) => [s.spec?.clusterIP ?? '', s.metadata?.name]));
    const portsBefore = new Set((await list()).flatMap((s) => (s.spec?.ports ?? []).map((p) => p.nodePort).filter(Boolean)));
    await server.stop();
    server = await startServer({ dataDir: dir, args: ARGS, env: { PEAPOD_LOG_LEVEL: 'info' } });
    // The system Services are there already: nothing to create, nothing to complain about.
    assert.doesNotMatch(server.stderr(), /could not ensure/);
    // 126 usable addresses: 2 system + 80 earlier services leave 44.
    const more = await Promise.all(Array.from({ length: 40 }, (_, i) => create(`r${i}`)));
    for (const r of more) {
      assert.equal(r.status, 201, r.message);
      assert.ok(!before.has(r.svc.spec?.clusterIP ?? ''), `${r.svc.spec?.clusterIP} was ${before.get(r.svc.spec?.clusterIP ?? '')}'s`);
    }
    const np = await Promise.all(Array.from({ length: 20 }, (_, i) => create(`rn${i}`, { type: 'NodePort' })));
    for (const r of np) assert.ok(!portsBefore.has(r.svc.spec?.ports?.[0]?.nodePort), 'node port handed out twice');
    const taken = [...before.keys()].find((ip) => ip.startsWith('10.43.0.'))!;
    const dup = await create('dup', { clusterIP: taken });
    assert.equal(dup.status, 422);
    assert.match(dup.message, new RegExp(`failed to allocate IP ${taken.replace(/\./g, '\\.')}: provided IP is already allocated`));
  });

  it('a full range says so; deleting a Service frees its IP', async () => {
    let last: Awaited<ReturnType<typeof create>>;
    for (let i = 0; ; i++) {
      last = await create(`fill${i}`);
      if (last.status !== 201) break;
    }
    assert.equal(last.status, 500);
    assert.match(last.message, /failed to allocate a serviceIP: range is full/);
    const gone = await api(server, 'GET', '/api/v1/namespaces/default/services/c7');
    const ip = gone.json<Service>().spec?.clusterIP;
    assert.equal((await api(server, 'DELETE', '/api/v1/namespaces/default/services/c7')).status, 200);
    const again = await create('reuse', { clusterIP: ip });
    assert.equal(again.status, 201, again.message);
    // One free address; a refused create (invalid after allocation) must give it back.
    await api(server, 'DELETE', '/api/v1/namespaces/default/services/reuse');
    const bad = await create('bad', { sessionAffinity: 'Sometimes' });
    assert.equal(bad.status, 422, bad.message);
    assert.equal((await create('after-bad')).status, 201);
  });
});
