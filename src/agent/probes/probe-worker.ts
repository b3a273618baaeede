import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { Clock, TimerHandle } from '../pods/clock.ts';
import type { ContainerRuntime } from '../runtime/index.ts';
import { runProbe, type ProbeEvent } from './prober.ts';
import { PROBE_DEFAULTS, type ProbeHandlers, type ProbeKind } from './types.ts';

/** A probe's stored verdict for one container instance (kubelet results.Result). */
export type ProbeResult = 'success' | 'failure' | 'unknown';

/** The probed container's newest instance, as the pod worker last observed it. */
export interface ContainerView {
  id: string;
  running: boolean;
  /** ms since the epoch; meaningful while running. */
  startedAt: number;
  /** Exited and will not be restarted: the worker may stop. */
  finished: boolean;
}

/** What the workers of one pod share; owned by the ProbeManager. */
export interface PodProbes {
  pod: Pod;
  podIp: string | undefined;
  containers: Map<string, ContainerView>;
  workers: ProbeWorker[];
}

/** The manager's services to its workers. */
export interface WorkerHost {
  clock: Clock;
  runtime: ContainerRuntime;
  handlers: ProbeHandlers;
  record(pod: Pod, event: ProbeEvent): void;
  /** A stored result changed: the pod worker should sync (and maybe restart or update status). */
  changed(podUid: string): void;
  /** Registers an in-flight probe (for settled()). */
  track(p: Promise<void>): void;
  /** The container passed its startup probe (or has none) — kubelet's containerStatus.started. */
  started(entry: PodProbes, containerName: string): boolean;
}

const INITIAL: Record<ProbeKind, ProbeResult> = { Liveness: 'success', Readiness: 'failure', Startup: 'unknown' };

/*
 * One probe of one container (kubelet prober/worker.go): ticks every periodSeconds from its own
 * timer (first tick after a random fraction of the period, so a node's probes spread out instead of
 * firing together), and on each tick runs doProbe:
 *
 *   no container yet ─▶ wait        on hold (liveness/startup failed) ─▶ wait for a new container
 *   not running ─▶ store failure (stop if it will never run again)
 *   pod deleting ─▶ liveness/startup store success and stop (quiet shutdown)
 *   within initialDelaySeconds of the start ─▶ wait
 *   startup probe: only until started; liveness/readiness: only once started
 *   probe ─▶ count equal verdicts in a row; store once successThreshold / failureThreshold is met;
 *            a stored liveness/startup failure puts the worker on hold (the container is restarted)
 *
 * Ticks never overlap: a tick that fires while a probe runs makes one more run right after it
 * (Go's ticker channel holds one tick). A new container instance resets the stored result to the
 * kind's initial value (readiness failure, liveness success, startup unknown).
 */
export class ProbeWorker {
  containerId: string | undefined;
  result: ProbeResult;
  #lastVerdict: ProbeResult = 'unknown';
  #run = 0;
  #onHold = false;
  #timer: TimerHandle | undefined;
  #nextAt = 0;
  #running = false;
  #again = false;
  #stopped = false;
  readonly #period: number;
  readonly kind: ProbeKind;
  readonly container: Container;
  readonly probe: Probe;
  readonly entry: PodProbes;
  private readonly host: WorkerHost;

  constructor(opts: { kind: ProbeKind; container: Container; probe: Probe; entry: PodProbes; host: WorkerHost }) {
    ({ kind: this.kind, container: this.container, probe: this.probe, entry: this.entry, host: this.host } = opts);
    const probe = this.probe;
    this.result = INITIAL[this.kind];
    this.#period = Math.max(1, probe.periodSeconds ?? PROBE_DEFAULTS.periodSeconds) * 1000;
  }

  /** Starts ticking; the first tick comes after `firstDelayMs`. */
  start(firstDelayMs: number): void {
    this.#nextAt = this.host.clock.now() + firstDelayMs;
    this.#timer = this.host.clock.setTimeout(() => this.#tick(), firstDelayMs);
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** A new instance of the container was observed. */
  newContainer(id: string): void {
    this.containerId = id;
    this.result = INITIAL[this.kind];
    this.#onHold = false;
    this.#lastVerdict = 'unknown';
    this.#run = 0;
  }

  /** Probe now, outside the period (kubelet's manualTriggerCh): a container just started. */
  trigger(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#launch();
  }

  #tick(): void {
    if (this.#stopped) return;
    const now = this.host.clock.now();
    do this.#nextAt += this.#period;
    while (this.#nextAt <= now);
    this.#timer = this.host.clock.setTimeout(() => this.#tick(), this.#nextAt - now);
    this.trigger();
  }

  #launch(): void {
    this.#running = true;
    const p = this.#doProbe().finally(() => {
      this.#running = false;
      if (this.#again && !this.#stopped) {
        this.#again = false;
        this.#launch();
      }
    });
    this.host.track(p);
  }

  #store(result: ProbeResult): void {
    if (this.result === result) return;
    this.result = result;
    this.host.changed(this.entry.pod.metadata?.uid ?? '');
  }

  async #doProbe(): Promise<void> {
    const { entry, host, kind, probe } = this;
    const c = entry.containers.get(this.container.name);
    if (!c || this.containerId === undefined || this.#onHold) return;
    if (!c.running) {
      this.#store('failure');
      if (c.finished) this.stop();
      return;
    }
    if (entry.pod.metadata?.deletionTimestamp && (kind === 'Liveness' || kind === 'Startup')) {
      this.#store('success');
      this.stop();
      return;
    }
    const now = host.clock.now();
    if (Math.floor((now - c.startedAt) / 1000) < (probe.initialDelaySeconds ?? 0)) return;
    const started = host.started(entry, this.container.name);
    if (started === (kind === 'Startup')) return;

    const id = this.containerId;
    const timeoutSeconds = Math.max(1, probe.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds);
    const { verdict, event } = await runProbe(probe, {
      kind,
      handlers: host.handlers,
      target: {
        pod: entry.pod,
        container: this.container,
        containerId: id,
        podIp: entry.podIp,
        runtime: host.runtime,
        signal: AbortSignal.timeout(timeoutSeconds * 1000),
        timeoutSeconds,
      },
    });
    if (this.#stopped || this.containerId !== id) return;
    if (event) host.record(entry.pod, event);
    if (verdict === 'error') return;
    if (this.#lastVerdict === verdict) this.#run++;
    else {
      this.#lastVerdict = verdict;
      this.#run = 1;
    }
    const threshold =
      verdict === 'failure' ? (probe.failureThreshold ?? PROBE_DEFAULTS.failureThreshold) : (probe.successThreshold ?? PROBE_DEFAULTS.successThreshold);
    if (this.#run < threshold) return;
    this.#store(verdict);
    if ((kind === 'Liveness' || kind === 'Startup') && verdict === 'failure') {
      this.#onHold = true;
      this.#run = 0;
    }
    if (kind === 'Startup' && verdict === 'success') {
      for (const w of entry.workers) if (w.container.name === this.container.name && w.kind === 'Readiness') w.trigger();
    }
  }
}
