import type { Container } from 'kubernetes-types/core/v1.js';
import type { PodCtx } from '../pods/pod-context.ts';
import { killContainer } from './kill-container.ts';
import { runHook } from './run-hook.ts';

/**
 * Runs the container's postStart hook right after it started (kubelet startContainer step 4).
 * The pod worker awaits it, so the container is not reported Running before the hook finished.
 * On failure: `FailedPostStartHook` event with the hook's message, the container is killed
 * (`Killing` with message `FailedPostStartHook`) and waits with reason `PostStartHookError`.
 * Returns whether the container may be considered started.
 */
export async function runPostStart(ctx: PodCtx, opts: { container: Container; containerId: string }): Promise<boolean> {
  const { container: c, containerId } = opts;
  const hook = c.lifecycle?.postStart;
  if (!hook) return true;
  const { pod, state, deps } = ctx;
  const outcome = await runHook(hook, { pod, container: c, containerId, podIp: state.sandbox?.ip, runtime: deps.runtime, clock: deps.clock });
  if (outcome.ok) return true;
  deps.api.recordEvent(pod, 'Warning', 'FailedPostStartHook', outcome.message);
  await killContainer(ctx, { container: c, containerId, graceSeconds: pod.spec?.terminationGracePeriodSeconds ?? 30, message: 'FailedPostStartHook' });
  state.waiting.set(c.name, { reason: 'PostStartHookError', message: outcome.message });
  return false;
}
