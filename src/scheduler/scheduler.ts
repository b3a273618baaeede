import { isDeepStrictEqual } from 'node:util';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { SchedulerCache } from './cache/scheduler-cache.ts';
import { systemClock, type Clock, type TimerHandle } from '../util/index.ts';
import { fitErrorMessage, NO_NODES_AVAILABLE } from './framework/fit-error.ts';
import { Framework } from './framework/framework.ts';
import { CycleState, type VolumeListers } from './framework/interfaces.ts';
import { podKey, type PodInfo } from './framework/pod-info.ts';
import { DEFAULT_PROFILE, type Profile } from './framework/profile.ts';
import type { Registry } from './framework/registry.ts';
import { schedulePod, type ScheduleContext } from './framework/run.ts';
import type { LabelSet as Labels } from '../api/index.ts';
import { isSuccess, statusMessage } from './framework/status.ts';
import { inTreeRegistry } from './plugins/index.ts';
import { SchedulingQueue, type QueuedPodInfo } from './queue/scheduling-queue.ts';

export interface PodScheduledCondition {
  readonly type: 'PodScheduled';
  readonly status: 'False';
  readonly reason: 'Unschedulable';
  readonly message: string;
}

/** The scheduler's only I/O; the lead wires it to the REST client. */
export interface SchedulerHost {
  /** POST pods/binding. Rejects on failure (the pod is then forgotten and retried with backoff). */
  bind(pod: Pod, nodeName: string): Promise<void>;
  recordEvent(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  updatePodCondition(pod: Pod, condition: PodScheduledCondition, nominatedNodeName?: string): Promise<void>;
  deletePod(pod: Pod, graceSeconds?: number): Promise<void>;
}

export interface SchedulerOptions {
  readonly host: SchedulerHost;
  readonly profile?: Profile;
  readonly registry?: Registry;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly assumedPodTtlMs?: number;
  /** Yield to the event loop after this much synchronous scheduling (default 10 ms). */
  readonly yieldEveryMs?: number;
  /** Labels of a namespace, for affinity terms with a namespaceSelector (none known by default). */
  readonly namespaceLabels?: (ns: string) => Labels | undefined;
  /** Claims, volumes and classes for VolumeBinding (pods with claims are not held back without). */
  readonly volumes?: VolumeListers;
  /**
   * Called after every scheduling cycle (upstream's scheduling_attempt_duration_seconds): the
   * cycle's synchronous duration in ms, measured with `hrtime`, and its result. Binding is not
   * included (it is asynchronous).
   */
  readonly observeCycle?: (durationMs: number, result: CycleResult) => void;
  /** High-resolution time in ms for observeCycle (default performance.now). */
  readonly hrtime?: () => number;
}

export type CycleResult = 'scheduled' | 'unschedulable' | 'error';

export interface Scheduler {
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly framework: Framework;
  addNode(node: Node): void;
  /** `old` (the informer's previous object) lets a heartbeat-only change skip the requeue. */
  updateNode(node: Node, old?: Node): void;
  deleteNode(node: Node): void;
  addPod(pod: Pod): void;
  /** `old` lets a status-only update of a bound pod (phase, containers) skip the requeue. */
  updatePod(pod: Pod, old?: Pod): void;
  deletePod(pod: Pod): void;
  /** Runs one scheduling cycle if a pod is ready; false when activeQ is empty. Binding is async. */
  scheduleOne(): boolean;
  /** Resolves when every bind/status call started so far has settled. */
  settled(): Promise<void>;
  /** Schedules until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
}

const ns = (p: Pod): string => p.metadata?.namespace ?? 'default';

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const clock = opts.clock ?? systemClock;
  const profile = opts.profile ?? DEFAULT_PROFILE;
  const host = opts.host;
  const cache = new SchedulerCache({ clock, assumedPodTtlMs: opts.assumedPodTtlMs });
  let wake: (() => void) | undefined;
  const queueRef: { q?: SchedulingQueue } = {};
  const framework = new Framework({
    profile,
    registry: opts.registry ?? inTreeRegistry(),
    lister: cache,
    namespaceLabels: opts.namespaceLabels,
    nominatedPodsForNode: (n) => queueRef.q?.nominator.forNode(n) ?? [],
    volumes: opts.volumes,
  });
  const queue = new SchedulingQueue({
    clock,
    preEnqueue: (pi) => framework.runPreEnqueue(pi),
    pluginEvents: (p) => framework.eventsOf(p),
    onActivated: () => wake?.(),
  });
  queueRef.q = queue;
  const ctx: ScheduleContext = { nextStartNodeIndex: 0, random: opts.random ?? Math.random };
  const inflight = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    const t = p.catch(() => {}).finally(() => inflight.delete(t));
    inflight.add(t);
  };

  const responsible = (pod: Pod): boolean => (pod.spec?.schedulerName ?? 'default-scheduler') === profile.schedulerName;
  const bound = (pod: Pod): boolean => !!pod.spec?.nodeName;
  const terminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

  function fail(q: QueuedPodInfo, cycle: number, message: string, plugins: Iterable<string>, error: boolean, nominated?: string): void {
    const pod = q.podInfo.pod;
    queue.requeueFailed(q, cycle, { error, plugins });
    host.recordEvent(pod, 'Warning', 'FailedScheduling', message);
    const cond: PodScheduledCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message };
    track(host.updatePodCondition(pod, cond, nominated));
  }

  function preempt(victims: readonly PodInfo[], preemptor: PodInfo, nodeName: string): void {
    for (const v of victims) {
      host.recordEvent(v.pod, 'Normal', 'Preempted', `Preempted by pod ${preemptor.pod.metadata?.uid ?? preemptor.key} on node ${nodeName}`);
      track(host.deletePod(v.pod, v.pod.spec?.terminationGracePeriodSeconds));
    }
  }

  function bindAsync(q: QueuedPodInfo, cycle: number, state: CycleState, nodeName: string): void {
    const pi = q.podInfo;
    const pod = pi.pod;
    const preBound =
      framework.preBind.length === 0
        ? host.bind(pod, nodeName)
        : framework.runPreBind(state, pi, nodeName).then((s) => {
            if (!isSuccess(s)) throw new Error(statusMessage(s));
            return host.bind(pod, nodeName);
          });
    track(
      preBound.then(
        () => {
          cache.finishBinding(pi.key);
          host.recordEvent(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns(pod)}/${pi.name} to ${nodeName}`);
        },
        (err: unknown) => {
          framework.runUnreserve(state, pi, nodeName);
          cache.forgetPod(pi.key);
          queue.moveAllToActiveOrBackoff('AssignedPodDelete');
          fail(q, cycle, `Binding rejected: ${err instanceof Error ? err.message : String(err)}`, [], true);
        },
      ),
    );
  }

  const observe = opts.observeCycle;
  const hrtime = opts.hrtime ?? (() => performance.now());

  function scheduleOne(): boolean {
    const q = queue.pop();
    if (!q) return false;
    if (cache.has(q.podInfo.key)) return true; // already assumed/bound: stale queue entry
    if (!observe) {
      attempt(q);
      return true;
    }
    const start = hrtime();
    const result = attempt(q);
    observe(hrtime() - start, result);
    return true;
  }

  function attempt(q: QueuedPodInfo): CycleResult {
    const cycle = queue.cycle;
    const pi = q.podInfo;
    const state = new CycleState();
    const result = schedulePod(framework, state, pi, ctx);
    if (result.kind === 'error') {
      fail(q, cycle, result.message, [], true);
      return 'error';
    }
    if (result.kind === 'noNodes') {
      // Waits in the unschedulable pool; the first node added (any event) moves it back.
      queue.nominator.delete(pi.key);
      fail(q, cycle, NO_NODES_AVAILABLE, [], false);
      return 'unschedulable';
    }
    if (result.kind === 'unschedulable') {
      const d = result.fitError.diagnosis;
      let nominated: string | undefined;
      if (framework.postFilter.length > 0) {
        const pf = framework.runPostFilter(state, pi, d.nodeToStatus);
        d.postFilterMsg = statusMessage(pf.status);
        if (pf.result) {
          nominated = pf.result.nominatedNodeName;
          if (nominated) {
            queue.nominator.add(pi, nominated);
            preempt(pf.result.victims, pi, nominated);
          } else queue.nominator.delete(pi.key);
        }
      }
      fail(q, cycle, fitErrorMessage(result.fitError), d.unschedulablePlugins, false, nominated);
      return 'unschedulable';
    }
    const nodeName = result.nodeName;
    cache.assumePod(pi, nodeName);
    const rs = framework.runReserve(state, pi, nodeName);
    if (!isSuccess(rs)) {
      cache.forgetPod(pi.key);
      fail(q, cycle, statusMessage(rs), rs.plugin ? [rs.plugin] : [], rs.code === 'Error');
      return rs.code === 'Error' ? 'error' : 'unschedulable';
    }
    queue.nominator.delete(pi.key);
    bindAsync(q, cycle, state, nodeName);
    return 'scheduled';
  }

  const yieldEvery = opts.yieldEveryMs ?? 10;

  return {
    cache,
    queue,
    framework,
    addNode(node) {
      cache.addNode(node);
      queue.moveAllToActiveOrBackoff('NodeAdd');
    },
    updateNode(node, old) {
      cache.updateNode(node);
      if (!old || nodeChangeMatters(old, node)) queue.moveAllToActiveOrBackoff('NodeUpdate');
    },
    deleteNode(node) {
      cache.removeNode(node.metadata?.name ?? '');
    },
    addPod(pod) {
      if (bound(pod)) {
        cache.addPod(pod);
        queue.nominator.delete(podKey(pod));
        queue.moveAllToActiveOrBackoff('AssignedPodAdd');
      } else if (responsible(pod) && !terminal(pod)) queue.add(pod);
    },
    updatePod(pod, old) {
      if (bound(pod)) {
        const wasQueued = queue.whereIs(pod) !== undefined;
        if (wasQueued) queue.delete(pod);
        if (terminal(pod)) {
          cache.removePod(pod);
          queue.moveAllToActiveOrBackoff('AssignedPodDelete');
        } else {
          cache.updatePod(pod);
          if (!old || !bound(old) || assignedPodChangeMatters(old, pod)) queue.moveAllToActiveOrBackoff('AssignedPodUpdate');
        }
      } else if (responsible(pod) && !terminal(pod)) queue.update(pod);
    },
    deletePod(pod) {
      if (bound(pod) || cache.has(pod.metadata?.uid ?? '')) {
        cache.removePod(pod);
        queue.moveAllToActiveOrBackoff('AssignedPodDelete');
      }
      queue.delete(pod);
    },
    scheduleOne,
    async settled() {
      while (inflight.size > 0) await Promise.all([...inflight]);
    },
    async run(signal) {
      let backoffTimer: TimerHandle | undefined;
      const leftover = setIntervalOn(
        clock,
        () => {
          queue.flushUnschedulableLeftover();
          cache.cleanupExpiredAssumedPods();
        },
        30_000,
        signal,
      );
      const onAbort = (): void => wake?.();
      signal.addEventListener('abort', onAbort);
      try {
        while (!signal.aborted) {
          const start = clock.now();
          while (!signal.aborted && scheduleOne()) {
            if (clock.now() - start >= yieldEvery) break;
          }
          if (signal.aborted) break;
          // Sleep until a pod is activated, the next backoff expires, or we should yield.
          await new Promise<void>((resolve) => {
            wake = resolve;
            const next = queue.nextBackoffExpiry();
            if (next !== undefined) backoffTimer = clock.setTimeout(resolve, Math.max(0, next - clock.now()));
            setImmediate(() => {
              if (queue.stats.active > 0) resolve();
            });
          });
          wake = undefined;
          backoffTimer?.cancel();
          backoffTimer = undefined;
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        leftover();
      }
    },
  };
}

/**
 * Can this node update make a waiting pod fit? Filters read the node's labels, spec (taints,
 * unschedulable) and allocatable; a heartbeat rewrites only condition times and images, and with
 * thousands of unschedulable pods moving them all on every heartbeat kept the scheduler busy
 * re-failing them (upstream's queueing hints make the same cut).
 */
export function nodeChangeMatters(old: Node, node: Node): boolean {
  const relevant = (n: Node) => ({ labels: n.metadata?.labels, spec: n.spec, allocatable: n.status?.allocatable });
  return !isDeepStrictEqual(relevant(old), relevant(node));
}

/**
 * Can this update of a bound pod free room or change what affinity/spread sees? Only its spec
 * (requests), labels or deletion can; the node agent's status writes cannot.
 */
export function assignedPodChangeMatters(old: Pod, pod: Pod): boolean {
  const relevant = (p: Pod) => ({ spec: p.spec, labels: p.metadata?.labels, deleting: p.metadata?.deletionTimestamp });
  return !isDeepStrictEqual(relevant(old), relevant(pod));
}

/** A repeating timer on the injectable clock; returns a stop function. */
function setIntervalOn(clock: Clock, fn: () => void, ms: number, signal: AbortSignal): () => void {
  let h: TimerHandle;
  const tick = (): void => {
    if (signal.aborted) return;
    fn();
    h = clock.setTimeout(tick, ms);
  };
  h = clock.setTimeout(tick, ms);
  return () => h.cancel();
}
