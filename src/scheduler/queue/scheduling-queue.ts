import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ClusterEvent } from '../framework/interfaces.ts';
import { newPodInfo, podKey, type PodInfo } from '../framework/pod-info.ts';
import { isSuccess, SUCCESS, type Status } from '../framework/status.ts';
import { systemClock, type Clock } from '../../util/index.ts';
import { KeyedHeap } from './heap.ts';
import { Nominator } from './nominator.ts';

/** A pod waiting for (another) scheduling attempt. */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** Ordering tie-breaker: when the pod (re)entered the queue. */
  timestamp: number;
  /** Scheduling attempts so far (incremented on pop); drives backoff. */
  attempts: number;
  /** Plugins that rejected the pod last time; only their events move it back. Empty = any event. */
  unschedulablePlugins: Set<string>;
  /** Rejected by PreEnqueue (scheduling gates): waits for a pod update, not cluster events. */
  gated: boolean;
  /** When the pod's current backoff ends. */
  backoffExpiry: number;
  /** When it last landed in the unschedulable pool. */
  unschedulableSince: number;
}

export interface SchedulingQueueOptions {
  readonly clock?: Clock;
  /** PreEnqueue plugins; non-success keeps a pod gated. */
  readonly preEnqueue?: (pod: PodInfo) => Status;
  /** The events a plugin registered; undefined = all events. */
  readonly pluginEvents?: (plugin: string) => readonly ClusterEvent[] | undefined;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Unschedulable pods are retried after this long even without events (upstream 5 min). */
  readonly maxUnschedulableMs?: number;
  /** Called when a pod enters activeQ, or backoffQ outside a cycle (the loop must re-arm its timer). */
  readonly onActivated?: () => void;
}

const DEFAULTS = { initialBackoffMs: 1000, maxBackoffMs: 10_000, maxUnschedulableMs: 5 * 60_000 };

/**
 * activeQ (priority desc, then time), backoffQ (by backoff expiry) and the unschedulable pool,
 * as upstream's PriorityQueue. A pod is in at most one of them; a popped pod is in none until the
 * scheduler reports the outcome. Single-threaded: callers never interleave mid-call.
 */
export class SchedulingQueue {
  readonly nominator = new Nominator();
  private readonly clock: Clock;
  private readonly opts: typeof DEFAULTS;
  private readonly preEnqueue: (pod: PodInfo) => Status;
  private readonly pluginEvents: (plugin: string) => readonly ClusterEvent[] | undefined;
  private readonly onActivated: () => void;
  private readonly activeQ = new KeyedHeap<QueuedPodInfo>(
    (q) => q.podInfo.key,
    (a, b) => a.podInfo.priority > b.podInfo.priority || (a.podInfo.priority === b.podInfo.priority && a.timestamp < b.timestamp),
  );
  private readonly backoffQ = new KeyedHeap<QueuedPodInfo>(
    (q) => q.podInfo.key,
    (a, b) => a.backoffExpiry < b.backoffExpiry,
  );
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Incremented per pop; a move request during a pod's cycle sends a failure to backoffQ. */
  private schedulingCycle = 0;
  private moveRequestCycle = -1;

  constructor(options: SchedulingQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.opts = { ...DEFAULTS, ...options } as typeof DEFAULTS;
    this.preEnqueue = options.preEnqueue ?? (() => SUCCESS);
    this.pluginEvents = options.pluginEvents ?? (() => undefined);
    this.onActivated = options.onActivated ?? (() => {});
  }

  get stats(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size };
  }
  get cycle(): number {
    return this.schedulingCycle;
  }

  /** A new unbound pod (informer add). */
  add(pod: Pod): void {
    const now = this.clock.now();
    this.enqueue({
      podInfo: newPodInfo(pod),
      timestamp: now,
      attempts: 0,
      unschedulablePlugins: new Set(),
      gated: false,
      backoffExpiry: now,
      unschedulableSince: now,
    });
  }

  /** Runs PreEnqueue and places the pod in activeQ, or gated in the unschedulable pool. */
  private enqueue(q: QueuedPodInfo): void {
    const s = this.preEnqueue(q.podInfo);
    if (!isSuccess(s)) {
      q.gated = true;
      q.unschedulablePlugins = new Set(s.plugin ? [s.plugin] : []);
      this.unschedulable.set(q.podInfo.key, q);
      return;
    }
    q.gated = false;
    this.activeQ.push(q);
    this.onActivated();
  }

  /** An unbound pod changed: refresh it wherever it waits; a gated pod is re-checked. */
  update(pod: Pod): void {
    const key = podKey(pod);
    const pi = newPodInfo(pod);
    for (const heap of [this.activeQ, this.backoffQ]) {
      const q = heap.get(key);
      if (q) {
        q.podInfo = pi;
        heap.push(q);
        return;
      }
    }
    const q = this.unschedulable.get(key);
    if (!q) {
      this.add(pod);
      return;
    }
    this.unschedulable.delete(key);
    q.podInfo = pi;
    if (q.gated) {
      this.enqueue(q);
      return;
    }
    this.moveToActiveOrBackoff(q);
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    this.nominator.delete(key);
  }

  /** The next pod to schedule, or undefined when activeQ is empty (never blocks). */
  pop(): QueuedPodInfo | undefined {
    this.flushBackoffCompleted();
    const q = this.activeQ.pop();
    if (!q) return undefined;
    q.attempts++;
    this.schedulingCycle++;
    return q;
  }

  /** 1 s, 2 s, 4 s... capped at 10 s, by attempts so far. */
  backoffDuration(attempts: number): number {
    let d = this.opts.initialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      d *= 2;
      if (d > this.opts.maxBackoffMs) return this.opts.maxBackoffMs;
    }
    return d;
  }

  /**
   * Reports a failed attempt for a popped pod. Errors and pods whose cycle overlapped a move
   * request go to backoffQ; rejected pods wait in the unschedulable pool for a relevant event.
   */
  requeueFailed(q: QueuedPodInfo, cycle: number, opts: { error?: boolean; plugins?: Iterable<string> } = {}): void {
    const now = this.clock.now();
    q.timestamp = now;
    q.backoffExpiry = now + this.backoffDuration(q.attempts);
    q.unschedulablePlugins = new Set(opts.plugins ?? []);
    if (opts.error || this.moveRequestCycle >= cycle) {
      this.backoffQ.push(q);
      return;
    }
    q.unschedulableSince = now;
    this.unschedulable.set(q.podInfo.key, q);
  }

  /** Does `event` concern any plugin that rejected the pod? */
  private interested(q: QueuedPodInfo, event: ClusterEvent): boolean {
    if (event === 'UnschedulableTimeout' || event === 'ForceActivate' || q.unschedulablePlugins.size === 0) return true;
    for (const p of q.unschedulablePlugins) {
      const ev = this.pluginEvents(p);
      if (!ev || ev.includes(event)) return true;
    }
    return false;
  }

  private moveToActiveOrBackoff(q: QueuedPodInfo): void {
    if (q.backoffExpiry > this.clock.now()) {
      this.backoffQ.push(q);
      // A sleeping scheduling loop armed its timer for the backoffQ as it was: wake it to re-arm.
      this.onActivated();
    } else {
      this.activeQ.push(q);
      this.onActivated();
    }
  }

  /** A cluster event: unschedulable pods it may help go back to backoffQ/activeQ. */
  moveAllToActiveOrBackoff(event: ClusterEvent): void {
    this.moveRequestCycle = this.schedulingCycle;
    for (const [key, q] of this.unschedulable) {
      if (q.gated || !this.interested(q, event)) continue;
      this.unschedulable.delete(key);
      this.moveToActiveOrBackoff(q);
    }
  }

  /** Moves pods whose backoff has ended to activeQ (cheap: heap peek). */
  flushBackoffCompleted(): void {
    const now = this.clock.now();
    for (let q = this.backoffQ.peek(); q && q.backoffExpiry <= now; q = this.backoffQ.peek()) {
      this.backoffQ.pop();
      this.activeQ.push(q);
      this.onActivated();
    }
  }

  /** Retries pods stuck unschedulable for longer than maxUnschedulableMs (run every 30 s). */
  flushUnschedulableLeftover(): void {
    const now = this.clock.now();
    for (const [key, q] of this.unschedulable) {
      if (q.gated || now - q.unschedulableSince < this.opts.maxUnschedulableMs) continue;
      this.unschedulable.delete(key);
      this.moveToActiveOrBackoff(q);
    }
  }

  /** When the earliest backoff ends (for a single wake-up timer), or undefined. */
  nextBackoffExpiry(): number | undefined {
    return this.backoffQ.peek()?.backoffExpiry;
  }

  /** Where a pod is waiting, for tests and debugging. */
  whereIs(pod: Pod): 'active' | 'backoff' | 'unschedulable' | 'gated' | undefined {
    const key = podKey(pod);
    if (this.activeQ.has(key)) return 'active';
    if (this.backoffQ.has(key)) return 'backoff';
    const u = this.unschedulable.get(key);
    return u ? (u.gated ? 'gated' : 'unschedulable') : undefined;
  }
}
