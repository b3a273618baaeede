import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { canonicalStatus, computePodStatus } from '../status/pod-status.ts';
import type { TimerHandle } from './clock.ts';
import type { PodCtx, PodState, WorkerDeps } from './pod-context.ts';
import { lastSentStatus, newPodState } from './pod-context.ts';
import { cleanUpPod, deletionGrace, stopPod } from './pod-termination.ts';
import { errText, syncPod } from './pod-sync.ts';
import { markStartup, newStartupTrace, STARTUP_LOG_MESSAGE, startupFields } from './startup-trace.ts';

/*
 * One pod worker per pod UID (kubelet pod_workers.go). Every input — a new spec from the
 * informer, a container exit, a timer — only records the latest pod and kicks the worker; the
 * worker runs one step at a time, so two syncs of one pod never overlap and a newer spec simply
 * replaces one that was not picked up yet (latest spec wins).
 *
 *            update(pod)                    deletionTimestamp set, pod removed from the API,
 *           ┌──────────┐                    activeDeadlineSeconds passed, or syncPod says the
 *           │          ▼                    pod will never run a container again
 *        ┌─────────────────┐ ─────────────────────────────────────────▶ ┌─────────────────┐
 *        │     syncing     │                                            │   terminating   │
 *        │ syncPod, status │                                            │ stopPod (grace) │
 *        └─────────────────┘                                            └────────┬────────┘
 *                                                                                │ containers
 *                                                                                ▼ stopped, IP freed
 *                          deleted: cleanUpPod (containers, volumes),   ┌─────────────────┐
 *                          final status, finishDeletion, worker gone ◀── │   terminated    │
 *                                                                       │ (keeps status)  │
 *                                                                       └─────────────────┘
 *
 * - syncing: syncPod then a status update if the status changed. A terminal pod (Succeeded /
 *   Failed) is not deleted by the agent: it goes to terminated and waits for the deletion.
 * - terminating: entered once, never left except to terminated. The grace period is
 *   deletionGracePeriodSeconds for deletions, the spec's terminationGracePeriodSeconds otherwise.
 * - terminated: when the pod is (or becomes) deleted: remove everything, send the final status,
 *   then finishDeletion (grace 0, UID precondition) unless the API object is already gone.
 * A throw in any step is logged and retried after a delay; it never stops other workers.
 */
export type WorkerPhase = 'syncing' | 'terminating' | 'terminated';

const RETRY_MS = 2_000;

export class PodWorker {
  #phase: WorkerPhase = 'syncing';
  #pod: Pod;
  #removed = false;
  #finished = false;
  #dirty = false;
  #running: Promise<void> | undefined;
  #timer: TimerHandle | undefined;
  readonly #state: PodState;

  /**
   * @param onDone called once everything of the pod is gone (the manager drops the worker).
   * @param relistMs how often a syncing worker re-checks its containers without being kicked
   *   (0: never — the runtime pushes exits).
   */
  constructor(
    pod: Pod,
    private readonly deps: WorkerDeps,
    private readonly opts: { onDone: () => void; relistMs: number; adopted?: PodState; ready: Promise<void> },
  ) {
    this.#pod = pod;
    this.#state = opts.adopted ?? newPodState(pod.metadata?.uid ?? '');
    if (!opts.adopted && deps.traceStartup) this.#state.trace = newStartupTrace();
  }

  get phase(): WorkerPhase {
    return this.#phase;
  }

  get pod(): Pod {
    return this.#pod;
  }

  /** A newer version of the pod from the informer. */
  update(pod: Pod): void {
    this.#pod = pod;
    this.kick();
  }

  /** The pod is gone from the API (force deletion, or deleted while the agent was down). */
  remove(pod?: Pod): void {
    if (pod) this.#pod = pod;
    this.#removed = true;
    this.kick();
  }

  /** Something about the pod changed (container exit, timer): run another step soon. */
  kick(): void {
    this.#dirty = true;
    if (this.#running || this.#finished) return;
    this.#running = this.opts.ready
      .then(() => this.#loop())
      .finally(() => {
        this.#running = undefined;
        if (this.#dirty && !this.#finished) this.kick();
      });
  }

  /** Resolves when the worker has no step running. */
  idle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** Stops timers; leaves containers running (agent shutdown). */
  stop(): void {
    this.#finished = true;
    this.deps.probes?.removePod(this.#state.uid);
    this.#timer?.cancel();
  }

  async #loop(): Promise<void> {
    while (this.#dirty && !this.#finished) {
      this.#dirty = false;
      this.#timer?.cancel();
      this.#state.wakeAt = undefined;
      try {
        await this.#step();
      } catch (e) {
        this.deps.log('pod worker step failed', { pod: this.#pod.metadata?.name, uid: this.#state.uid, error: errText(e) });
        this.#state.wakeAt = Math.min(this.#state.wakeAt ?? Infinity, this.deps.clock.now() + RETRY_MS);
      }
      this.#schedule();
    }
  }

  #schedule(): void {
    if (this.#finished) return;
    const now = this.deps.clock.now();
    let at = this.#state.wakeAt;
    if (this.#phase === 'syncing' && this.opts.relistMs > 0) at = Math.min(at ?? Infinity, now + this.opts.relistMs);
    if (at === undefined || !Number.isFinite(at)) return;
    this.#timer = this.deps.clock.setTimeout(() => this.kick(), Math.max(0, at - now));
  }

  async #step(): Promise<void> {
    const ctx: PodCtx = { pod: this.#pod, state: this.#state, deps: this.deps };
    const deleting = this.#removed || this.#pod.metadata?.deletionTimestamp !== undefined;
    if (this.#phase === 'syncing') {
      if (!deleting) {
        const { terminal } = await syncPod(ctx);
        if (!terminal) {
          this.deps.probes?.observe(this.#pod, { podIp: this.#state.sandbox?.ip, containers: this.#state.containers });
          await this.#sendStatus(ctx, false);
          return;
        }
      }
      this.#phase = 'terminating';
      this.deps.probes?.removePod(this.#state.uid);
    }
    if (this.#phase === 'terminating') {
      await stopPod(ctx, deleting ? deletionGrace(ctx) : (this.#pod.spec?.terminationGracePeriodSeconds ?? 30));
      this.#phase = 'terminated';
      await this.#sendStatus(ctx, true);
    }
    if (!deleting) return;
    await cleanUpPod(ctx);
    if (!this.#removed) await this.deps.api.finishDeletion(this.#pod);
    this.#finished = true;
    this.opts.onDone();
  }

  async #sendStatus(ctx: PodCtx, podIsTerminal: boolean): Promise<void> {
    if (this.#removed) return;
    const { state, deps, pod } = ctx;
    const status = computePodStatus(
      pod,
      {
        sandboxIp: state.sandbox?.ip,
        containers: state.containers,
        waiting: state.waiting,
        runtimeName: deps.runtime.version().split('://')[0] ?? 'peapod',
        hostIp: deps.api.nodeInfo().ip,
        now: deps.clock.now(),
        podIsTerminal,
        failure: state.failure,
        probes: deps.probes?.podStatus(state.uid),
      },
      lastSentStatus(state) ?? pod.status,
    );
    const json = canonicalStatus(status);
    if (json === state.sentStatus) return;
    await deps.api.updatePodStatus(pod, status);
    state.sentStatus = json;
    const trace = state.trace;
    if (trace && !trace.done && allRunning(status)) {
      markStartup(trace, 'status posted');
      trace.done = true;
      deps.log(STARTUP_LOG_MESSAGE, { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, uid: state.uid, ...startupFields(trace) });
      state.trace = undefined;
    } else if (trace && status.phase !== 'Pending' && status.phase !== 'Running') {
      state.trace = undefined;
    }
  }
}

function allRunning(status: PodStatus): boolean {
  const cs = status.containerStatuses ?? [];
  return cs.length > 0 && cs.every((c) => c.state?.running !== undefined);
}
