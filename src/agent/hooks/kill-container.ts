import type { Container } from 'kubernetes-types/core/v1.js';
import type { PodCtx } from '../pods/pod-context.ts';
import { runHook } from './run-hook.ts';

/** kubelet minimumGracePeriodInSeconds: what a container gets after a preStop hook used its grace. */
const MIN_GRACE_AFTER_PRESTOP = 2;

/**
 * kubelet killContainer: records `Killing` with `message`, runs the preStop hook (if any and the
 * grace is positive) within the grace period, then stops the container with the grace left (at
 * least 2 s after a hook). A failing hook records `FailedPreStopHook`; a hook still running when the
 * grace runs out is abandoned. Resolves once the container has exited.
 */
export async function killContainer(ctx: PodCtx, opts: { container: Container; containerId: string; graceSeconds: number; message: string }): Promise<void> {
  const { pod, state, deps } = ctx;
  const { container: c, containerId } = opts;
  deps.api.recordEvent(pod, 'Normal', 'Killing', opts.message);
  let grace = opts.graceSeconds;
  const preStop = c.lifecycle?.preStop;
  if (preStop && grace > 0) {
    const started = deps.clock.now();
    const abort = new AbortController();
    const timer = deps.clock.setTimeout(() => abort.abort(), grace * 1000);
    const outcome = await Promise.race([
      runHook(preStop, { pod, container: c, containerId, podIp: state.sandbox?.ip, runtime: deps.runtime, clock: deps.clock, signal: abort.signal }),
      new Promise<'timeout'>((resolve) => abort.signal.addEventListener('abort', () => resolve('timeout'), { once: true })),
    ]);
    timer.cancel();
    if (outcome === 'timeout') deps.log('PreStop hook not completed in grace period', { pod: pod.metadata?.name, container: c.name, graceSeconds: grace });
    else if (!outcome.ok) deps.api.recordEvent(pod, 'Warning', 'FailedPreStopHook', outcome.message);
    abort.abort();
    grace = Math.max(MIN_GRACE_AFTER_PRESTOP, grace - Math.floor((deps.clock.now() - started) / 1000));
  }
  await deps.runtime.stopContainer(containerId, grace);
}
