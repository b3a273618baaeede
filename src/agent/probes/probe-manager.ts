import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { AgentApi } from '../pods/agent-api.ts';
import type { Clock } from '../pods/clock.ts';
import type { ContainerRuntime } from '../runtime/index.ts';
import type { ObservedContainer } from '../status/types.ts';
import { DEFAULT_HANDLERS } from './prober.ts';
import { ProbeWorker, type PodProbes, type WorkerHost } from './probe-worker.ts';
import type { ProbeHandlers, ProbeKind } from './types.ts';

export interface ProbeManagerOptions {
  runtime: ContainerRuntime;
  clock: Clock;
  recordEvent: AgentApi['recordEvent'];
  /** A stored result of the pod changed; the pod worker should run a step. */
  onChange: (podUid: string) => void;
  /** Where in its period a new probe first fires (0..1); default Math.random. Tests pin it. */
  random?: () => number;
  /** Replaces handler kinds (e.g. a hollow node whose pod IPs do not exist). */
  handlers?: Partial<ProbeHandlers>;
}

/** What the status needs per container: absent fields mean "no such probe". */
export interface ContainerProbeStatus {
  ready?: boolean;
  started?: boolean;
}

/** A liveness or startup probe failed for the running instance: restart it. */
export interface UnhealthyContainer {
  kind: 'Liveness' | 'Startup';
  probe: Probe;
}

const KINDS: readonly [ProbeKind, (c: Container) => Probe | undefined][] = [
  ['Startup', (c) => c.startupProbe],
  ['Liveness', (c) => c.livenessProbe],
  ['Readiness', (c) => c.readinessProbe],
];

/**
 * The node's probers (kubelet prober_manager.go): one ProbeWorker per (pod, container, probe
 * kind), each on its own jittered timer, so 110 pods × 3 probes at a 1 s period cost 330 cheap
 * timer callbacks a second plus the probes themselves.
 *
 * Contracts: the pod worker calls observe() after every sync of a live pod (it is the only source
 * of container instances and the pod IP), reads podStatus()/unhealthy() when it computes status
 * and restarts, and calls removePod() once the pod stops running. All methods are synchronous and
 * cheap; probes run in the background and report through onChange.
 */
export class ProbeManager {
  readonly #pods = new Map<string, PodProbes>();
  /** Pods seen to have no probes (probes are immutable in the spec). */
  readonly #unprobed = new Set<string>();
  readonly #inflight = new Set<Promise<void>>();
  readonly #host: WorkerHost;
  readonly #random: () => number;

  constructor(opts: ProbeManagerOptions) {
    this.#random = opts.random ?? Math.random;
    const inflight = this.#inflight;
    this.#host = {
      clock: opts.clock,
      runtime: opts.runtime,
      handlers: { ...DEFAULT_HANDLERS, ...opts.handlers },
      record: (pod, e) => opts.recordEvent(pod, e.type, e.reason, e.message),
      changed: opts.onChange,
      track(p) {
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      },
      started: (entry, name) => startedIn(entry, name),
    };
  }

  /**
   * The pod worker's latest view of a live pod: creates the pod's workers on first sight (probes
   * are immutable in the spec), records the newest instance of each probed container and the pod
   * IP, and probes a container that just started at once (kubelet's manual trigger).
   */
  observe(pod: Pod, view: { podIp: string | undefined; containers: ReadonlyMap<string, readonly ObservedContainer[]> }): void {
    const uid = pod.metadata?.uid ?? '';
    if (this.#unprobed.has(uid)) return;
    let entry = this.#pods.get(uid);
    if (!entry) {
      entry = { pod, podIp: view.podIp, containers: new Map(), workers: [] };
      for (const c of [...(pod.spec?.initContainers ?? []).filter((i) => i.restartPolicy === 'Always'), ...(pod.spec?.containers ?? [])]) {
        for (const [kind, get] of KINDS) {
          const probe = get(c);
          if (!probe) continue;
          const w = new ProbeWorker({ kind, container: c, probe, entry, host: this.#host });
          entry.workers.push(w);
          w.start(Math.floor(this.#random() * Math.max(1, probe.periodSeconds ?? 10) * 1000));
        }
      }
      // A pod without probes keeps only its UID here: its first-seen object, held for the pod's
      // whole life, was a stale second copy of every pod on the node.
      if (entry.workers.length === 0) {
        this.#unprobed.add(uid);
        return;
      }
      this.#pods.set(uid, entry);
    }
    entry.pod = pod;
    entry.podIp = view.podIp ?? entry.podIp;
    const policy = pod.spec?.restartPolicy ?? 'Always';
    for (const w of entry.workers) {
      const latest = view.containers.get(w.container.name)?.[0];
      if (!latest) continue;
      const st = latest.status;
      const running = st.state === 'running';
      entry.containers.set(w.container.name, {
        id: latest.id,
        running,
        startedAt: Date.parse(st.startedAt ?? st.createdAt),
        finished: st.state === 'exited' && policy === 'Never' && w.container.restartPolicy !== 'Always',
      });
      if (w.containerId !== latest.id) {
        w.newContainer(latest.id);
        if (running && w.kind === 'Readiness') w.trigger();
      }
    }
  }

  /** ready/started per probed container of the pod, for its current instances. */
  podStatus(podUid: string): Map<string, ContainerProbeStatus> | undefined {
    const entry = this.#pods.get(podUid);
    if (!entry || entry.workers.length === 0) return undefined;
    const out = new Map<string, ContainerProbeStatus>();
    for (const w of entry.workers) {
      const current = entry.containers.get(w.container.name)?.id;
      const s = out.get(w.container.name) ?? {};
      if (w.kind === 'Readiness') s.ready = w.containerId === current && w.result === 'success';
      if (w.kind === 'Startup') s.started = w.containerId === current && w.result === 'success';
      out.set(w.container.name, s);
    }
    return out;
  }

  /** The failed liveness/startup probe of this container instance, if one failed. */
  unhealthy(podUid: string, containerName: string, containerId: string): UnhealthyContainer | undefined {
    for (const w of this.#pods.get(podUid)?.workers ?? []) {
      if (w.container.name !== containerName || w.containerId !== containerId || w.result !== 'failure') continue;
      if (w.kind === 'Liveness' || w.kind === 'Startup') return { kind: w.kind, probe: w.probe };
    }
    return undefined;
  }

  /** Stops and forgets the pod's workers (pod terminating, gone, or agent shutting down). */
  removePod(podUid: string): void {
    for (const w of this.#pods.get(podUid)?.workers ?? []) w.stop();
    this.#pods.delete(podUid);
    this.#unprobed.delete(podUid);
  }

  stop(): void {
    for (const uid of [...this.#pods.keys()]) this.removePod(uid);
    this.#unprobed.clear();
  }

  /** Number of running probe workers (tests, metrics). */
  get workerCount(): number {
    let n = 0;
    for (const e of this.#pods.values()) n += e.workers.filter((w) => !w.stopped).length;
    return n;
  }

  get busy(): boolean {
    return this.#inflight.size > 0;
  }

  /** Resolves once no probe is running (tests). */
  async settled(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }
}

function startedIn(entry: PodProbes, name: string): boolean {
  const startup = entry.workers.find((w) => w.kind === 'Startup' && w.container.name === name);
  if (!startup) return true;
  return startup.containerId === entry.containers.get(name)?.id && startup.result === 'success';
}
