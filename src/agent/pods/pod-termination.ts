import { killContainer } from '../hooks/index.ts';
import { isRestartableInit } from '../status/phase.ts';
import { refreshContainers } from './container-start.ts';
import type { PodCtx } from './pod-context.ts';

const MIN_SIDECAR_GRACE_SECONDS = 2;

/**
 * Stops every running container of the pod (kubelet killPodWithSyncResult): app containers in
 * parallel first, then restartable init containers (sidecars) in reverse order with the grace
 * left, each with its preStop hook first (within the grace), then the image's stop signal (the
 * runtime's default), then SIGKILL. Then removes the
 * sandbox, which releases the pod IP. Containers stay (status, logs) until cleanUpPod.
 */
export async function stopPod(ctx: PodCtx, graceSeconds: number): Promise<void> {
  const { pod, state, deps } = ctx;
  const started = deps.clock.now();
  const running = (name: string): string | undefined => {
    const latest = state.containers.get(name)?.[0];
    return latest && latest.status.state !== 'exited' ? latest.id : undefined;
  };
  const regular = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => !isRestartableInit(c))];
  await Promise.all(
    regular.map(async (c) => {
      const id = running(c.name);
      if (!id) return;
      await killContainer(ctx, { container: c, containerId: id, graceSeconds, message: `Stopping container ${c.name}` });
    }),
  );
  const sidecars = (pod.spec?.initContainers ?? []).filter(isRestartableInit).reverse();
  for (const c of sidecars) {
    const id = running(c.name);
    if (!id) continue;
    const left = Math.max(MIN_SIDECAR_GRACE_SECONDS, graceSeconds - Math.floor((deps.clock.now() - started) / 1000));
    await killContainer(ctx, { container: c, containerId: id, graceSeconds: left, message: `Stopping container ${c.name}` });
  }
  await refreshContainers(ctx);
  if (state.sandbox) {
    await deps.runtime.removeSandbox(state.uid);
    state.sandbox = undefined;
  }
}

/** Removes the pod's containers, sandbox and volumes. Idempotent. */
export async function cleanUpPod(ctx: PodCtx): Promise<void> {
  const { state, deps } = ctx;
  for (const list of state.containers.values()) {
    for (const inst of list) await deps.runtime.removeContainer(inst.id);
  }
  state.containers.clear();
  state.logFiles.clear();
  await deps.runtime.removeSandbox(state.uid);
  state.sandbox = undefined;
  await deps.storage.tearDown(state.uid);
  state.volumes = undefined;
  deps.backoff.forgetPrefix(`${state.uid}/`);
  deps.imageBackoff.forgetPrefix(`${state.uid}/`);
}

/** Grace for a deletion: the pod's deletionGracePeriodSeconds, else its spec, else 30 s. */
export function deletionGrace(ctx: PodCtx): number {
  const { pod } = ctx;
  return pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
}
