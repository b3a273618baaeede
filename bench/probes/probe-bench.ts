// Probe cost on one node: 110 hollow pods × 3 probes (liveness exec through the hollow runtime +
// readiness httpGet on one container, liveness tcpSocket on a second) at a 1 s period, for 30 s
// (--quick: 10 s), on the ProbeManager alone with the real clock and jittered timers. The HTTP/TCP
// endpoints live in a child process (127.0.0.1), so the CPU figure is the prober's process only.
// Reports: CPU % of one core, probes/s, probe latency p50/p99 (all and per handler kind).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { HollowRuntime } from '../../src/agent/hollow/index.ts';
import { systemClock } from '../../src/agent/pods/clock.ts';
import { DEFAULT_HANDLERS, ProbeManager, type ProbeHandler } from '../../src/agent/probes/index.ts';
import type { ObservedContainer } from '../../src/agent/status/types.ts';
import { onCleanup } from '../lib/cleanup.ts';
import { barChart } from '../lib/chart.ts';
import type { Figure } from '../lib/figures.ts';
import { writePng } from '../lib/png.ts';
import { OUT_DIR, parseBenchArgs, runBench } from '../lib/run-bench.ts';
import { REPO_ROOT } from '../lib/server-process.ts';
import { summarize } from '../lib/stats.ts';

const PODS = 110;
const args = parseBenchArgs();
const seconds = args.quick ? 10 : 30;
const WARMUP_S = 2;
type HandlerName = 'exec' | 'httpGet' | 'tcpSocket';

async function startServers(): Promise<{ http: number; tcp: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench/probes/probe-servers.ts')], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  onCleanup(
    async () => {
      child.stdin.end();
      child.kill('SIGTERM');
    },
    () => child.kill('SIGTERM'),
  );
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return JSON.parse(line) as { http: number; tcp: number };
}

function pod(i: number, ports: { http: number; tcp: number }): Pod {
  return {
    metadata: { name: `probe-${i}`, namespace: 'bench', uid: `uid-${i}` },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'busybox',
          livenessProbe: { exec: { command: ['cat', '/tmp/health'] }, periodSeconds: 1, failureThreshold: 3 },
          readinessProbe: { httpGet: { port: ports.http, path: '/healthz' }, periodSeconds: 1 },
        },
        { name: 'sidecar', image: 'busybox', livenessProbe: { tcpSocket: { port: ports.tcp }, periodSeconds: 1 } },
      ],
    },
  };
}

await runBench('probes', async () => {
  const ports = await startServers();
  const runtime = new HollowRuntime({ podCidr: '10.42.0.0/24' });
  const samples: Record<HandlerName, number[]> = { exec: [], httpGet: [], tcpSocket: [] };
  let measuring = false;
  let unhealthy = 0;
  // Each handler is timed by a thin wrapper (the real handler inside), from the call to its answer.
  const timed =
    (name: HandlerName): ProbeHandler =>
    async (probe, target) => {
      const t0 = performance.now();
      const out = await DEFAULT_HANDLERS[name](probe, target);
      if (measuring) samples[name].push(performance.now() - t0);
      return out;
    };
  const manager = new ProbeManager({
    runtime,
    clock: systemClock,
    recordEvent: () => void unhealthy++,
    onChange: () => undefined,
    handlers: { exec: timed('exec'), httpGet: timed('httpGet'), tcpSocket: timed('tcpSocket') },
  });
  const pods: Pod[] = [];
  for (let i = 0; i < PODS; i++) {
    const p = pod(i, ports);
    pods.push(p);
    await runtime.createSandbox({ podUid: `uid-${i}`, podName: `probe-${i}`, namespace: 'bench' });
    const containers = new Map<string, ObservedContainer[]>();
    for (const c of p.spec?.containers ?? []) {
      const id = await runtime.createContainer({ podUid: `uid-${i}`, name: c.name, image: 'busybox' });
      await runtime.startContainer(id);
      const status = await runtime.containerStatus(id);
      if (!status) throw new Error('hollow container vanished');
      containers.set(c.name, [{ id, name: c.name, attempt: 0, image: 'busybox', imageId: '', status }]);
    }
    manager.observe(p, { podIp: '127.0.0.1', containers });
  }
  onCleanup(() => manager.stop());
  process.stderr.write(`probes: ${manager.workerCount} probe workers on ${PODS} pods; warm-up ${WARMUP_S} s, then ${seconds} s\n`);
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));

  measuring = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const elu0 = performance.eventLoopUtilization();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  measuring = false;
  manager.stop();
  await manager.settled();

  const all = Object.values(samples).flat();
  const cpuPct = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
  const s = summarize(all);
  const figures: Figure[] = [
    { bench: 'probes', name: `CPU, ${PODS} pods × 3 probes @1s`, value: cpuPct, unit: '% of a core' },
    { bench: 'probes', name: 'event loop utilisation', value: elu.utilization * 100, unit: '%', detail: true },
    { bench: 'probes', name: 'CPU user', value: (cpu.user / 1000 / wallMs) * 100, unit: '% of a core', detail: true },
    { bench: 'probes', name: 'CPU system (connects, exec bookkeeping)', value: (cpu.system / 1000 / wallMs) * 100, unit: '% of a core', detail: true },
    { bench: 'probes', name: 'probes/s', value: all.length / (wallMs / 1000), unit: '/s' },
    { bench: 'probes', name: 'probe latency p50', value: s.p50, unit: 'ms' },
    { bench: 'probes', name: 'probe latency p99', value: s.p99, unit: 'ms' },
    { bench: 'probes', name: 'Unhealthy events (expect 0)', value: unhealthy, unit: '' },
  ];
  for (const [kind, list] of Object.entries(samples)) {
    const k = summarize(list);
    figures.push(
      { bench: 'probes', name: `${kind} probes/s`, value: list.length / (wallMs / 1000), unit: '/s', detail: true },
      { bench: 'probes', name: `${kind} latency p50`, value: k.p50, unit: 'ms', detail: true },
      { bench: 'probes', name: `${kind} latency p99`, value: k.p99, unit: 'ms', detail: true },
    );
  }
  const kinds = Object.keys(samples) as HandlerName[];
  writePng(
    join(OUT_DIR, 'probes.png'),
    barChart({
      title: `Probe latency, ${PODS} pods × 3 probes at 1 s (${seconds} s, CPU ${cpuPct.toFixed(1)}% of a core)`,
      yLabel: 'ms',
      categories: kinds,
      series: [
        { name: 'p50', values: kinds.map((k) => summarize(samples[k]).p50) },
        { name: 'p99', values: kinds.map((k) => summarize(samples[k]).p99) },
      ],
    }),
  );
  return figures;
});
