import type { Container, ContainerState, ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { rfc3339 as apiTime } from '../../api/index.ts';
import { isRestartableInit } from './phase.ts';
import type { ObservedContainer, PodObservation } from './types.ts';

/**
 * kubelet's ShouldContainerBeRestarted: would the worker start this container (again)? Used both
 * by the worker's decisions and by the status (a waiting reason only replaces the state then).
 */
export function shouldRestart(pod: Pod, container: Container, latest: ObservedContainer | undefined, isInit: boolean): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  if (!latest) return true;
  const st = latest.status.state;
  if (st === 'running') return false;
  if (st === 'created') return true;
  if (isInit && isRestartableInit(container)) return true;
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (isInit && latest.status.exitCode === 0) return false;
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && latest.status.exitCode === 0) return false;
  return true;
}

function runtimeState(c: ObservedContainer, runtimeName: string): ContainerState {
  const s = c.status;
  if (s.state === 'running') return { running: { startedAt: apiTime(s.startedAt ?? s.createdAt) } };
  if (s.state === 'exited') {
    const exitCode = s.exitCode ?? 255;
    return {
      terminated: {
        exitCode,
        reason: s.oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error',
        ...(c.message ? { message: c.message } : {}),
        startedAt: apiTime(s.startedAt ?? s.createdAt),
        finishedAt: apiTime(s.finishedAt ?? s.startedAt ?? s.createdAt),
        containerID: `${runtimeName}://${c.id}`,
      },
    };
  }
  return { waiting: { reason: 'ContainerCreating' } };
}

/** kubelet convertToAPIContainerStatuses for one list (init or regular containers). */
export function containerStatuses(
  pod: Pod,
  containers: readonly Container[],
  isInit: boolean,
  obs: PodObservation,
  previous: readonly ContainerStatus[] = [],
): ContainerStatus[] {
  const hasInit = (pod.spec?.initContainers ?? []).length > 0;
  return containers.map((c) => {
    const instances = obs.containers.get(c.name) ?? [];
    const latest = instances[0];
    // A container that terminated and is gone from the runtime (removed, node rebooted) keeps
    // its last reported status, as upstream.
    const old = previous.find((p) => p.name === c.name);
    if (!latest && old?.state?.terminated) return old;
    const status: ContainerStatus = {
      name: c.name,
      state: { waiting: { reason: hasInit ? 'PodInitializing' : 'ContainerCreating' } },
      ready: false,
      restartCount: 0,
      image: c.image ?? '',
      imageID: '',
      started: false,
    };
    if (latest) {
      status.state = runtimeState(latest, obs.runtimeName);
      status.restartCount = latest.attempt;
      status.image = latest.image;
      status.imageID = latest.imageId;
      status.containerID = `${obs.runtimeName}://${latest.id}`;
      const previous = instances[1];
      if (previous) status.lastState = runtimeState(previous, obs.runtimeName);
      if (latest.status.state === 'running') {
        const probe = obs.probes?.get(c.name);
        status.started = probe?.started ?? true;
        status.ready = status.started && (probe?.ready ?? true);
      }
      // The prober manager marks a regular init container that completed as ready.
      if (isInit && !isRestartableInit(c) && latest.status.state === 'exited' && latest.status.exitCode === 0) status.ready = true;
    }
    const reason = obs.waiting.get(c.name);
    const skipInit = isInit && !isRestartableInit(c) && latest?.status.state === 'exited' && latest.status.exitCode === 0;
    if (reason && !skipInit && shouldRestart(pod, c, latest, isInit)) {
      if (status.state?.terminated) status.lastState = status.state;
      status.state = { waiting: { reason: reason.reason, ...(reason.message ? { message: reason.message } : {}) } };
      status.ready = false;
      status.started = false;
    }
    if (!status.lastState) status.lastState = {};
    return status;
  });
}
