import { totalmem } from 'node:os';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodImages } from '../images/index.ts';
import { ProbeManager, type ProbeManagerOptions } from '../probes/index.ts';
import type { ContainerRuntime } from '../runtime/index.ts';
import type { AgentApi } from './agent-api.ts';
import { adoptRuntimeState } from './adoption.ts';
import { Backoff } from './backoff.ts';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import type { PodState, WorkerDeps } from './pod-context.ts';
import type { PodStorage } from './pod-storage.ts';
import { PodWorker, type WorkerPhase } from './pod-worker.ts';
import { exitSource } from './runtime-events.ts';
import type { ClusterDnsSettings } from './pod-dns.ts';

export interface PodManagerOptions {
  runtime: ContainerRuntime;
  api: AgentApi;
  storage: PodStorage;
  clock?: Clock;
  /** The node's images (nodeImages() fits); absent = every image is present and nothing is pulled. */
  images?: PodImages;
  /** For Burstable oomScoreAdj; default os.totalmem(). */
  memoryCapacityBytes?: number;
  /** PLEG relist period per pod; default 1000 ms, or 0 (off) when the runtime pushes exits. */
  relistIntervalMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Prober tuning: jitter source (tests pin it), handler overrides (e.g. hollow nodes). */
  probes?: Pick<ProbeManagerOptions, 'random' | 'handlers'>;
  /** Cluster DNS for pods' resolv.conf; absent: pods get the host's resolv.conf (dnsPolicy None aside). */
  dns?: ClusterDnsSettings;
  /** Log each new pod's start-up stages once it runs (see startup-trace.ts). */
  traceStartup?: boolean;
}

const CRASH_BACKOFF = { initialMs: 10_000, maxMs: 300_000 };
const FINISHED_MEMORY = 10_000;

/**
 * The agent's pod workers: the entry points the pod informer calls. Handlers only hand the pod to
 * its worker (created on first sight), so they are cheap and never block the informer.
 *
 * Call start() once before or right after the first handlers: workers wait for it, since it
 * adopts what the runtime already runs (restart counts come from container attempts).
 */
export class PodManager {
  readonly #workers = new Map<string, PodWorker>();
  readonly #deps: WorkerDeps;
  readonly #relistMs: number;
  #adopted = new Map<string, PodState>();
  #resolveReady: () => void = () => undefined;
  readonly #ready = new Promise<void>((r) => (this.#resolveReady = r));
  #unsubscribe: (() => void) | undefined;
  /** UIDs whose deletion the agent finished; late informer updates for them are ignored. */
  readonly #finished = new Set<string>();

  constructor(private readonly opts: PodManagerOptions) {
    const clock = opts.clock ?? systemClock;
    this.#deps = {
      runtime: opts.runtime,
      api: opts.api,
      storage: opts.storage,
      clock,
      backoff: new Backoff(CRASH_BACKOFF.initialMs, CRASH_BACKOFF.maxMs, clock),
      imageBackoff: new Backoff(CRASH_BACKOFF.initialMs, CRASH_BACKOFF.maxMs, clock),
      images: opts.images,
      memoryCapacityBytes: opts.memoryCapacityBytes ?? totalmem(),
      log: opts.log ?? (() => undefined),
      dns: opts.dns,
      traceStartup: opts.traceStartup,
      probes: new ProbeManager({
        ...opts.probes,
        runtime: opts.runtime,
        clock,
        recordEvent: (pod, type, reason, message) => opts.api.recordEvent(pod, type, reason, message),
        onChange: (uid) => this.#workers.get(uid)?.kick(),
      }),
    };
    this.#relistMs = opts.relistIntervalMs ?? (exitSource(opts.runtime) ? 0 : 1000);
  }

  /**
   * Adopts the runtime's sandboxes and containers, subscribes to container exits, and lets the
   * workers run. On abort, stops every worker's timers and leaves containers running (a restarted
   * agent adopts them).
   */
  async start(signal: AbortSignal): Promise<void> {
    this.#adopted = await adoptRuntimeState(this.opts.runtime, this.opts.images ? (ref) => this.opts.images!.find(ref) : undefined);
    this.#unsubscribe = exitSource(this.opts.runtime)?.onContainerExit((podUid) => this.#workers.get(podUid)?.kick());
    signal.addEventListener(
      'abort',
      () => {
        this.#unsubscribe?.();
        this.#deps.probes?.stop();
        for (const w of this.#workers.values()) w.stop();
        this.#workers.clear();
      },
      { once: true },
    );
    this.#resolveReady();
  }

  /** Informer add/update of a pod bound to this node. */
  onPodUpdate(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const existing = this.#workers.get(uid);
    if (existing) {
      existing.update(pod);
      return;
    }
    if (this.#finished.has(uid)) return;
    const adopted = this.#adopted.get(uid);
    this.#adopted.delete(uid);
    const worker = new PodWorker(pod, this.#deps, {
      relistMs: this.#relistMs,
      adopted,
      ready: this.#ready,
      onDone: () => {
        if (this.#workers.get(uid) === worker) this.#workers.delete(uid);
        this.#finished.add(uid);
        if (this.#finished.size > FINISHED_MEMORY) this.#finished.delete(this.#finished.values().next().value ?? '');
      },
    });
    this.#workers.set(uid, worker);
    worker.kick();
  }

  /** Informer delete: the API object is gone; stop and clean up without finishDeletion. */
  onPodDelete(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const worker = this.#workers.get(uid);
    this.#finished.delete(uid);
    if (worker) {
      worker.remove(pod);
      return;
    }
    if (this.#adopted.has(uid)) {
      this.onPodUpdate(pod);
      this.#workers.get(uid)?.remove(pod);
    }
  }

  /**
   * After the informer's initial list: pods the runtime or disk still has but the API does not
   * (deleted while the agent was down) are stopped with grace 0 and removed.
   */
  async removeOrphans(knownUids: Iterable<string>): Promise<void> {
    await this.#ready;
    const known = new Set(knownUids);
    const orphans = new Set([...this.#adopted.keys(), ...(await this.opts.storage.listPods())].filter((u) => !known.has(u) && !this.#workers.has(u)));
    for (const uid of orphans) {
      const pod: Pod = {
        metadata: {
          uid,
          name: this.#adopted.get(uid)?.sandbox?.podName ?? uid,
          namespace: this.#adopted.get(uid)?.sandbox?.namespace,
          deletionGracePeriodSeconds: 0,
        },
        spec: { containers: [] },
      };
      if (!this.#adopted.has(uid)) this.#adopted.set(uid, { uid, containers: new Map(), waiting: new Map(), logFiles: new Map() });
      this.onPodDelete(pod);
    }
  }

  /** The worker state of a pod, for tests and debugging. */
  workerPhase(uid: string): WorkerPhase | undefined {
    return this.#workers.get(uid)?.phase;
  }

  get podCount(): number {
    return this.#workers.size;
  }

  /** Resolves once no worker has a step running or queued and no probe runs (tests; graceful shutdown). */
  async settled(): Promise<void> {
    for (let i = 0; i < 10_000; i++) {
      await new Promise((r) => setImmediate(r));
      const busy = [...this.#workers.values()].filter((w) => w.busy);
      const probing = this.#deps.probes?.busy ?? false;
      if (busy.length === 0 && !probing) return;
      await Promise.all([...busy.map((w) => w.idle()), this.#deps.probes?.settled()]);
    }
  }
}
