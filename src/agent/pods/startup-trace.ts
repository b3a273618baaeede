import { performance } from 'node:perf_hooks';

/**
 * Where a new pod's start-up time goes on this node (kubelet's pod startup latency tracker logs
 * the same kind of line, "Observed pod startup duration"): the moment the agent first saw the pod
 * bound to it, then the time of each stage since then, logged once when the status reporting
 * every container running has been written. `bench/agent/pod-startup-bench.ts` reads these lines.
 * Pods adopted after an agent restart have no trace: their start happened before.
 */
export interface StartupTrace {
  /** Wall clock (ms since the epoch, sub-ms precision) when the agent first saw the pod. */
  readonly seenAt: number;
  readonly t0: number;
  /** Stage name → ms since seenAt; the first mark of a name wins (a retried stage keeps its first time). */
  readonly marks: Map<string, number>;
  done: boolean;
}

export const STARTUP_LOG_MESSAGE = 'agent: pod startup';

export function newStartupTrace(): StartupTrace {
  const t0 = performance.now();
  return { seenAt: performance.timeOrigin + t0, t0, marks: new Map(), done: false };
}

export function markStartup(trace: StartupTrace | undefined, stage: string): void {
  if (!trace || trace.done || trace.marks.has(stage)) return;
  trace.marks.set(stage, Math.round((performance.now() - trace.t0) * 10) / 10);
}

/** The log fields of a finished trace: `seenAt` and `stages` (name → ms since seenAt, in order). */
export function startupFields(trace: StartupTrace): { seenAt: number; stages: Record<string, number> } {
  return { seenAt: Math.round(trace.seenAt * 10) / 10, stages: Object.fromEntries(trace.marks) };
}
