/**
 * Scheduling outcomes are values, not exceptions (STYLE.md §4). Each code states what the
 * scheduling queue does with a pod that ends a cycle with it.
 */
export type Code =
  /** The plugin is happy. The pod continues to the next extension point. */
  | 'Success'
  /**
   * An internal failure (bug, I/O). The pod goes to the backoff queue and is retried after its
   * backoff (1 s → 10 s) regardless of cluster events.
   */
  | 'Error'
  /**
   * The pod does not fit now, but preemption (PostFilter) might make room. The pod waits in the
   * unschedulable pool until a cluster event the rejecting plugin cares about moves it back (to
   * backoffQ if its backoff has not expired yet, else activeQ), or until it has waited 5 minutes.
   */
  | 'Unschedulable'
  /**
   * Like Unschedulable, but preemption cannot help on this node (PostFilter skips it, with
   * "Preemption is not helpful for scheduling"). Requeue rules are the same as Unschedulable.
   */
  | 'UnschedulableAndUnresolvable'
  /** Permit asked the pod to wait (reserved for a future Permit extension point). */
  | 'Wait'
  /**
   * From PreFilter/PreScore: the plugin has nothing to do for this pod, so its Filter/Score is not
   * called in this cycle. Never ends a cycle.
   */
  | 'Skip'
  /**
   * Waiting for something outside the scheduler (e.g. scheduling gates). From PreEnqueue: the pod
   * is kept out of activeQ until an update to the pod makes PreEnqueue succeed; no backoff.
   */
  | 'Pending';

export interface Status {
  readonly code: Code;
  /** Human-readable reasons; the FailedScheduling message aggregates them (see fit-error.ts). */
  readonly reasons: readonly string[];
  /** The plugin that produced this status; set by the framework when missing. */
  readonly plugin?: string;
}

export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: Object.freeze([]) });
export const SKIP: Status = Object.freeze({ code: 'Skip', reasons: Object.freeze([]) });

export function newStatus(code: Code, ...reasons: string[]): Status {
  return Object.freeze({ code, reasons: Object.freeze(reasons) });
}
export const unschedulable = (...reasons: string[]): Status => newStatus('Unschedulable', ...reasons);
export const unresolvable = (...reasons: string[]): Status => newStatus('UnschedulableAndUnresolvable', ...reasons);
export const errorStatus = (message: string): Status => newStatus('Error', message);
export const pending = (...reasons: string[]): Status => newStatus('Pending', ...reasons);

export const isSuccess = (s: Status): boolean => s.code === 'Success';
/** Rejected = the pod cannot go on, but nothing is broken. */
export const isRejected = (s: Status): boolean => s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable' || s.code === 'Pending';
export const statusMessage = (s: Status): string => s.reasons.join(', ');

/** Returns `s` with `plugin` set; `s` itself when it already names a plugin. */
export function withPlugin(s: Status, plugin: string): Status {
  return s.plugin !== undefined ? s : Object.freeze({ ...s, plugin });
}
