// Persistent volume latency on `peapod server` with its embedded agent (root, real containers):
// - a claim binding to a pre-made volume (create → Bound, the PV controller alone);
// - a local-path claim created together with its pod (claim create → Bound: scheduling, the
//   selected-node annotation, provisioning and binding);
// - pod create → Running with that claim, versus the same pod with an emptyDir volume.
// One pair at a time; each is deleted (and gone) before the next.
// Usage: tsx bench/volumes/volume-bench.ts [--quick]
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { resources, type Client, type KubeObject, type ResourceRef } from '../../src/client/index.ts';
import { barChart } from '../lib/chart.ts';
import { formatNumber, type Figure } from '../lib/figures.ts';
import { writePng } from '../lib/png.ts';
import { createProgress } from '../lib/progress.ts';
import { OUT_DIR, parseBenchArgs, runBench } from '../lib/run-bench.ts';
import { summarize } from '../lib/stats.ts';
import { renderTable } from '../lib/table.ts';
import { startRealNode } from '../lib/real-node.ts';

const BENCH = 'volumes';
const SIZES = { full: { rounds: 20, warmup: 2 }, quick: { rounds: 4, warmup: 1 } };
const NS = 'default';
const COMMAND = ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"];
const args = parseBenchArgs();
const size = args.quick ? SIZES.quick : SIZES.full;
const progress = createProgress({ label: BENCH });

/** Resolves when a watched object of `name` first satisfies a condition, or is deleted. */
class Waiter<T extends KubeObject> {
  readonly #want = new Map<string, { test: (o: T) => boolean; done: (t: number) => void }>();
  readonly #gone = new Map<string, () => void>();
  readonly #abort = new AbortController();
  constructor(client: Client, ref: ResourceRef) {
    void client
      .watch<T>(ref, ref.namespaced ? NS : undefined, { signal: this.#abort.signal }, (ev) => {
        if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') return;
        const name = ev.object.metadata?.name ?? '';
        if (ev.type === 'DELETED') return this.#gone.get(name)?.();
        const w = this.#want.get(name);
        if (w?.test(ev.object)) {
          this.#want.delete(name);
          w.done(performance.now());
        }
      })
      .catch(() => undefined);
  }
  when(name: string, test: (o: T) => boolean): Promise<number> {
    return withTimeout(new Promise((done) => this.#want.set(name, { test, done })), `${name}: condition`);
  }
  deleted(name: string): Promise<void> {
    return withTimeout(new Promise<void>((done) => this.#gone.set(name, () => done())), `${name}: deletion`);
  }
  close(): void {
    this.#abort.abort();
  }
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} not seen in 60 s`)), 60_000).unref())]);
}

const claim = (name: string, cls: string): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName: cls, resources: { requests: { storage: '64Mi' } } },
});
const pod = (name: string, volume: NonNullable<Pod['spec']>['volumes']): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    terminationGracePeriodSeconds: 5,
    containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', command: COMMAND, volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: volume,
  },
});
const bound = (c: PersistentVolumeClaim): boolean => c.status?.phase === 'Bound';
const running = (p: Pod): boolean => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((s) => s.state?.running);

await runBench(BENCH, async () => {
  progress.phase('starting peapod server with its embedded agent');
  const { server, client, agentDir } = await startRealNode('volume-bench', { namespace: NS });
  progress.end(server.url);

  const pods = new Waiter<Pod>(client, resources.pods);
  const claims = new Waiter<PersistentVolumeClaim>(client, resources.persistentvolumeclaims);
  const samples = { staticBind: [] as number[], provisionBind: [] as number[], claimPod: [] as number[], emptyDirPod: [] as number[] };
  const total = size.warmup + size.rounds;
  progress.phase('rounds: static claim, local-path claim + pod, emptyDir pod', total);
  try {
    for (let i = 0; i < total; i++) {
      const keep = i >= size.warmup;
      // A claim binding to a volume made in advance.
      const pv: PersistentVolume = {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `static-${i}` },
        spec: {
          capacity: { storage: '64Mi' },
          accessModes: ['ReadWriteOnce'],
          storageClassName: 'bench-manual',
          persistentVolumeReclaimPolicy: 'Retain',
          hostPath: { path: join(agentDir, 'bench-static', String(i)) },
        },
      };
      await client.create(resources.persistentvolumes, undefined, pv);
      let t0 = performance.now();
      let done = claims.when(`static-${i}`, bound);
      await client.create(resources.persistentvolumeclaims, NS, claim(`static-${i}`, 'bench-manual'));
      const staticMs = (await done) - t0;

      // A local-path claim and its pod, created together.
      const name = `lp-${i}`;
      done = claims.when(name, bound);
      const up = pods.when(name, running);
      t0 = performance.now();
      await client.create(resources.persistentvolumeclaims, NS, claim(name, 'local-path'));
      await client.create(resources.pods, NS, pod(name, [{ name: 'data', persistentVolumeClaim: { claimName: name } }]));
      const provisionMs = (await done) - t0;
      const claimPodMs = (await up) - t0;

      const ed = `ed-${i}`;
      const edUp = pods.when(ed, running);
      t0 = performance.now();
      await client.create(resources.pods, NS, pod(ed, [{ name: 'data', emptyDir: {} }]));
      const emptyDirMs = (await edUp) - t0;

      for (const p of [name, ed]) {
        const gone = pods.deleted(p);
        await client.delete(resources.pods, NS, p);
        await gone;
      }
      for (const c of [`static-${i}`, name]) await client.delete(resources.persistentvolumeclaims, NS, c);
      await client.delete(resources.persistentvolumes, undefined, `static-${i}`);
      if (keep) {
        samples.staticBind.push(staticMs);
        samples.provisionBind.push(provisionMs);
        samples.claimPod.push(claimPodMs);
        samples.emptyDirPod.push(emptyDirMs);
      }
      progress.update(i + 1);
    }
  } finally {
    pods.close();
    claims.close();
  }
  progress.end('done');

  const rows: Array<[string, keyof typeof samples]> = [
    ['claim create → Bound (pre-made PV)', 'staticBind'],
    ['claim create → Bound (local-path, with its pod)', 'provisionBind'],
    ['pod with local-path claim create → Running', 'claimPod'],
    ['pod with emptyDir create → Running', 'emptyDirPod'],
  ];
  const figures: Figure[] = [];
  const table: string[][] = [];
  for (const [label, key] of rows) {
    const s = summarize(samples[key]);
    figures.push({ bench: BENCH, name: `${label} p50`, value: s.p50, unit: 'ms' });
    figures.push({ bench: BENCH, name: `${label} p99`, value: s.p99, unit: 'ms' });
    table.push([label, formatNumber(s.p50), formatNumber(s.p99)]);
  }
  const ratio = summarize(samples.claimPod).p50 / summarize(samples.emptyDirPod).p50;
  process.stdout.write(
    `\nVolumes, ${size.rounds} rounds, ms\n${renderTable(['what', 'p50', 'p99'], table)}\nclaim pod / emptyDir pod p50: ${ratio.toFixed(2)}×\n`,
  );
  writePng(
    join(OUT_DIR, `${BENCH}.png`),
    barChart({
      title: `Claims and pods with volumes (${size.rounds} rounds)`,
      yLabel: 'ms',
      categories: rows.map(([, k]) => k),
      series: (['p50', 'p99'] as const).map((q) => ({ name: q, values: rows.map(([, k]) => summarize(samples[k])[q]) })),
    }),
  );
  return figures;
});
