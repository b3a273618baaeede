// endpointslice: how long after a pod turns Ready its Service's EndpointSlice lists it ready
// (the controller's share of "endpoint ready → traffic flows"), p50/p99 over many pods flipped one
// at a time, and the same for turning unready. This process runs the controller manager, plays
// the kubelet (writes pod status) and watches the slices. Loopback only.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { createClient, createInformer, resources, silentLogger } from '../../src/client/index.ts';
import { startControllerManager } from '../../src/controllers/index.ts';
import { createProgress, launchServer, onCleanup, parseBenchArgs, runBench, summarize } from '../lib/index.ts';

const BENCH = 'endpointslice';
const NS = 'bench-eps';

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function status(i: number, ready: boolean): { status: Pod['status'] } {
  const c = (type: string, s: boolean) => ({ type, status: s ? 'True' : 'False', lastTransitionTime: now() });
  return {
    status: {
      phase: 'Running',
      podIP: `10.99.${i >> 8}.${i & 255}`,
      podIPs: [{ ip: `10.99.${i >> 8}.${i & 255}` }],
      conditions: [c('Ready', ready), c('ContainersReady', ready), c('Initialized', true), c('PodScheduled', true)],
    },
  };
}

await runBench(BENCH, async () => {
  const { quick } = parseBenchArgs();
  const pods = quick ? 20 : 200;
  const progress = createProgress({ label: BENCH });
  progress.phase('starting server');
  const server = await launchServer({ args: ['--disable', 'agent,scheduler,controller-manager'] });
  const client = createClient({ server: server.url, token: server.token, ca: server.caPem, userAgent: 'bench' });
  const abort = new AbortController();
  onCleanup(async () => abort.abort());
  await client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  // Only the controllers that act on Services run: pod GC and node lifecycle would delete or
  // mark unready the pods of the pretend node.
  const cm = await startControllerManager({
    client: createClient({ server: server.url, token: server.token, ca: server.caPem, userAgent: 'controller-manager' }),
    signal: abort.signal,
    logger: silentLogger,
    disabled: ['node-lifecycle', 'pod-gc', 'taint-eviction'],
  });
  await cm.ready;
  await client.create(resources.services, NS, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  progress.end();
  progress.phase(`creating ${pods} unready pods`);
  for (let i = 0; i < pods; i++) {
    const name = `p${i}`;
    await client.create(resources.pods, NS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'web' } },
      spec: { nodeName: 'bench-node', containers: [{ name: 'c', image: 'busybox' }] },
    });
    await client.patch(resources.pods, NS, name, status(i, false), { type: 'merge', subresource: 'status' });
  }
  // Watch the slices; `waiters` resolve when an address reaches the wanted readiness.
  const waiters = new Map<string, { ready: boolean; resolve: () => void }>();
  const slices = createInformer<EndpointSlice>(client, resources.endpointslices, { namespace: NS, logger: silentLogger });
  const check = (s: EndpointSlice): void => {
    for (const e of s.endpoints ?? []) {
      const w = waiters.get(e.addresses[0] ?? '');
      if (w && (e.conditions?.ready === true) === w.ready) {
        waiters.delete(e.addresses[0] ?? '');
        w.resolve();
      }
    }
  };
  slices.on('add', check);
  slices.on('update', (_o, s) => check(s));
  void slices.start(abort.signal);
  await slices.waitForSync(abort.signal);
  const settled = async () => {
    for (;;) {
      const n = slices.store.list().flatMap((s) => s.endpoints ?? []).length;
      if (n === pods) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await settled();
  progress.end();

  const flip = async (i: number, ready: boolean): Promise<number> => {
    const ip = `10.99.${i >> 8}.${i & 255}`;
    const seen = new Promise<void>((resolve) => waiters.set(ip, { ready, resolve }));
    const t0 = performance.now();
    await client.patch(resources.pods, NS, `p${i}`, status(i, ready), { type: 'merge', subresource: 'status' });
    await seen;
    return performance.now() - t0;
  };
  progress.phase(`${pods} pods turning Ready one by one`);
  const up: number[] = [];
  for (let i = 0; i < pods; i++) up.push(await flip(i, true));
  progress.end();
  progress.phase(`${pods} pods turning unready`);
  const down: number[] = [];
  for (let i = 0; i < pods; i++) down.push(await flip(i, false));
  progress.end();

  abort.abort();
  await cm.done;
  client.close();
  await server.stop();
  const u = summarize(up);
  const d = summarize(down);
  return [
    { bench: BENCH, name: `pod Ready → slice ready p50 (${pods} pods in one Service)`, value: u.p50, unit: 'ms' },
    { bench: BENCH, name: 'pod Ready → slice ready p99', value: u.p99, unit: 'ms' },
    { bench: BENCH, name: 'pod unready → slice not ready p50', value: d.p50, unit: 'ms' },
    { bench: BENCH, name: 'pod unready → slice not ready p99', value: d.p99, unit: 'ms' },
  ];
});
