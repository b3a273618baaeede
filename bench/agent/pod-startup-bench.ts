// Pod startup latency on real containers: create → every container running, observed through a
// watch, for 1- and 2-container busybox pods on `peapod server`'s embedded agent, and the same pods
// through `podman kube play` (its wall time: it returns once the containers run) side by side.
// Root only. Pods run one at a time, peapod and podman interleaved round by round; each is deleted
// (and gone) before the next. The agent's log adds where the time goes per stage (startup-stages.ts).
// Usage: tsx bench/agent/pod-startup-bench.ts [--quick]
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources, type Client } from '../../src/client/index.ts';
import { barChart } from '../lib/chart.ts';
import { formatNumber, type Anchor, type Figure } from '../lib/figures.ts';
import { writePng } from '../lib/png.ts';
import { createProgress } from '../lib/progress.ts';
import { OUT_DIR, parseBenchArgs, runBench } from '../lib/run-bench.ts';
import { summarize, type Summary } from '../lib/stats.ts';
import { renderTable } from '../lib/table.ts';
import { startRealNode } from '../lib/real-node.ts';
import { makeTempDir } from '../lib/temp-dir.ts';
import { PODMAN_IMAGE, podmanUnavailable, startPodman, type PodmanPeer } from './podman-peer.ts';
import { StageLog } from './startup-stages.ts';

const BENCH = 'pod-startup';
const SIZES = { full: { pods: 20, warmup: 2 }, quick: { pods: 5, warmup: 1 } };
const NS = 'default';
/** Exits at once on SIGTERM (busybox sh as PID 1 would ignore it), so deletions take no grace wait. */
const COMMAND = ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"];
const KINDS = [
  { label: '1 container', containers: 1 },
  { label: '2 containers', containers: 2 },
] as const;

const args = parseBenchArgs();
const size = args.quick ? SIZES.quick : SIZES.full;
const progress = createProgress({ label: BENCH });
const isWarmup = (name: string): boolean => Number(/-(\d+)$/.exec(name)?.[1] ?? 0) < size.warmup;

function manifest(name: string, containers: number, image: string, nodeName?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 5,
      containers: Array.from({ length: containers }, (_, i) => ({ name: `c${i + 1}`, image, imagePullPolicy: 'Never', command: COMMAND })),
    },
  };
}

/** Resolves per pod name when the watch shows every container running, and when it is DELETED. */
class PodWatch {
  readonly #running = new Map<string, (t: number) => void>();
  readonly #deleted = new Map<string, () => void>();
  readonly #abort = new AbortController();
  readonly done: Promise<void>;

  constructor(client: Client) {
    this.done = client
      .watch<Pod>(resources.pods, NS, { signal: this.#abort.signal }, (ev) => {
        if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') return;
        const name = ev.object.metadata?.name ?? '';
        if (ev.type === 'DELETED') {
          this.#deleted.get(name)?.();
          return;
        }
        const want = ev.object.spec?.containers.length ?? 0;
        const running = (ev.object.status?.containerStatuses ?? []).filter((c) => c.state?.running).length;
        if (want > 0 && running === want) this.#running.get(name)?.(performance.now());
      })
      .catch(() => undefined);
  }

  running(name: string, timeoutMs: number): Promise<number> {
    return this.#wait(this.#running, name, timeoutMs, 'all containers running');
  }

  deleted(name: string, timeoutMs: number): Promise<number> {
    return this.#wait(this.#deleted, name, timeoutMs, 'deleted');
  }

  #wait(map: Map<string, (t: number) => void>, name: string, timeoutMs: number, what: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pod ${name}: not ${what} after ${timeoutMs} ms`)), timeoutMs);
      map.set(name, (t) => {
        clearTimeout(timer);
        map.delete(name);
        resolve(t);
      });
    });
  }

  close(): void {
    this.#abort.abort();
  }
}

interface Series {
  readonly runtime: string;
  readonly kind: string;
  readonly samples: number[];
}

interface Runner {
  readonly runtime: string;
  /** Resolves with the pod's startup time in ms. */
  start(name: string, containers: number): Promise<number>;
  /** Resolves once the pod is gone. */
  remove(name: string): Promise<void>;
}

/**
 * Runs `total` rounds; each round starts one pod of every kind on every runtime, one after another
 * (so warm-up and the load of a shared machine spread evenly over runtimes and kinds: the ratio
 * compares pods started side by side in time, not two phases minutes apart).
 */
async function measureRounds(runners: readonly Runner[]): Promise<Series[]> {
  const out = runners.flatMap((r) => KINDS.map((k) => ({ runtime: r.runtime, kind: k.label, samples: [] as number[] })));
  const total = size.warmup + size.pods;
  progress.phase(`${runners.map((r) => r.runtime).join(' + ')}: ${KINDS.map((k) => k.label).join(' + ')} pods, interleaved`, total);
  for (let i = 0; i < total; i++) {
    for (const [r, runner] of runners.entries()) {
      for (const [k, kind] of KINDS.entries()) {
        const name = `startup-${kind.containers}c-${i}`;
        const ms = await runner.start(name, kind.containers);
        if (i >= size.warmup) out[r * KINDS.length + k]!.samples.push(ms);
        await runner.remove(name);
      }
    }
    progress.update(i + 1);
  }
  progress.end(out.map((s) => `${s.runtime} ${s.kind}: p50 ${formatNumber(summarize(s.samples).p50)} ms`).join(', '));
  return out;
}

/** podman on the first free subnet of a few (another run may hold the first choice). */
async function podmanOnFreeSubnet(octet: number, tag: string): Promise<PodmanPeer> {
  const octets = [octet + 50, ...Array.from({ length: 4 }, (_, i) => 200 + ((octet + 11 * (i + 1)) % 50))];
  let last: unknown;
  for (const o of octets) {
    try {
      return await startPodman(makeTempDir('peapod-bench-podman'), `10.42.${o}.0/24`, `ppdbench${tag}`);
    } catch (e) {
      last = e;
      if (!String(e).includes('already used')) throw e;
    }
  }
  throw last;
}

await runBench(BENCH, async () => {
  progress.phase('starting peapod server with its embedded agent');
  // Clean-up runs before the server stops (newest first): no pod may outlive the benchmark.
  // The agent logs each pod's start-up stages at info (src/agent/pods/startup-trace.ts).
  const stages = new StageLog();
  const { server, client, nodeName, tag, octet } = await startRealNode('pod-startup-bench', {
    namespace: NS,
    launch: { env: { PEAPOD_LOG_LEVEL: 'info' }, onLogLine: (line) => stages.onLogLine(line) },
  });
  progress.end(server.url);
  const watch = new PodWatch(client);
  const runners: Runner[] = [
    {
      runtime: 'peapod',
      async start(name, containers) {
        const running = watch.running(name, 60_000);
        const t0 = performance.now();
        await client.create(resources.pods, NS, manifest(name, containers, 'busybox', nodeName));
        const ms = (await running) - t0;
        if (!isWarmup(name)) stages.created(name, containers, performance.timeOrigin + t0, ms);
        return ms;
      },
      async remove(name) {
        const gone = watch.deleted(name, 60_000);
        await client.delete(resources.pods, NS, name);
        await gone;
      },
    },
  ];

  const unavailable = podmanUnavailable();
  let podmanVersion = '';
  let podman: PodmanPeer | undefined;
  if (unavailable) progress.note(`podman peer skipped: ${unavailable}`);
  else {
    progress.phase('setting up podman (own storage, busybox image, bridge network)');
    const peer = await podmanOnFreeSubnet(octet, tag);
    podman = peer;
    podmanVersion = peer.version;
    progress.end(`podman ${peer.version}`);
    runners.push({
      runtime: 'podman',
      start: (name, containers) => peer.play(JSON.stringify(manifest(name, containers, PODMAN_IMAGE))),
      remove: (name) => peer.remove(name),
    });
  }
  const series: Series[] = [];
  try {
    series.push(...(await measureRounds(runners)));
  } finally {
    watch.close();
    await podman?.close();
  }

  const summaries = new Map(series.map((s) => [`${s.runtime}/${s.kind}`, summarize(s.samples)] as const));
  const get = (runtime: string, kind: string): Summary | undefined => summaries.get(`${runtime}/${kind}`);
  const figures: Figure[] = [];
  const rows: string[][] = [];
  for (const kind of KINDS) {
    const p = get('peapod', kind.label)!;
    const m = get('podman', kind.label);
    for (const q of ['p50', 'p99'] as const) {
      const anchor: Anchor | undefined = m && {
        bound: 'max',
        value: m[q],
        label: `podman kube play ${q} (measured here)`,
        source: `podman ${podmanVersion}, same pods and image`,
      };
      figures.push({ bench: BENCH, name: `startup ${kind.label} ${q}`, value: p[q], unit: 'ms', anchor });
    }
    figures.push({ bench: BENCH, name: `startup ${kind.label} p90`, value: p.p90, unit: 'ms', detail: true });
    if (m)
      for (const q of ['p50', 'p90', 'p99'] as const) figures.push({ bench: BENCH, name: `podman ${kind.label} ${q}`, value: m[q], unit: 'ms', detail: true });
    rows.push([
      kind.label,
      formatNumber(p.p50),
      formatNumber(p.p99),
      m ? formatNumber(m.p50) : 'n/a',
      m ? formatNumber(m.p99) : 'n/a',
      m ? `${(p.p50 / m.p50).toFixed(2)}×` : 'n/a',
    ]);
  }
  process.stdout.write(`\nPod startup (create → all containers running), ${size.pods} pods each, ms\n`);
  process.stdout.write(renderTable(['pod', 'peapod p50', 'peapod p99', 'podman p50', 'podman p99', 'peapod/podman p50'], rows) + '\n');
  if (unavailable) process.stdout.write(`podman: not measured: ${unavailable}\n`);
  process.stdout.write(
    `\nWhere peapod's time goes: p50 ms since the pod was created, per stage (the agent's own clock; 'status posted' = its status write returned)\n`,
  );
  process.stdout.write(renderTable(['stage', ...KINDS.map((k) => k.label)], stages.table(KINDS.map((k) => k.containers))) + '\n');

  writePng(
    join(OUT_DIR, `${BENCH}.png`),
    barChart({
      title: `Pod startup: peapod vs podman kube play (${size.pods} pods each)`,
      yLabel: 'ms',
      categories: KINDS.map((k) => k.label),
      series:
        series.length === 0
          ? []
          : ['peapod', 'podman'].flatMap((rt) =>
              (['p50', 'p99'] as const)
                .filter(() => KINDS.every((k) => get(rt, k.label)))
                .map((q) => ({
                  name: `${rt} ${q}`,
                  values: KINDS.map((k) => get(rt, k.label)![q]),
                })),
            ),
    }),
  );
  return figures;
});
