import type { Container, ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export function isRestartableInit(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/** kubelet getPhase (kubelet_pods.go), sidecar-aware. */
export function getPhase(pod: Pod, init: readonly ContainerStatus[], regular: readonly ContainerStatus[], podIsTerminal: boolean): PodPhase {
  const spec = pod.spec;
  const restartPolicy = spec?.restartPolicy ?? 'Always';
  let pendingInitialization = 0;
  let failedInitialization = 0;
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  const find = (list: readonly ContainerStatus[], name: string): ContainerStatus | undefined => list.find((s) => s.name === name);

  for (const c of spec?.initContainers ?? []) {
    const s = find(init, c.name);
    if (isRestartableInit(c)) {
      if (!s) {
        unknown++;
      } else if (s.state?.running) {
        if (!s.started) pendingInitialization++;
        running++;
      } else if (s.state?.terminated) {
        // terminated sidecars do not count
      } else if (s.state?.waiting) {
        if (!s.lastState?.terminated) {
          pendingInitialization++;
          waiting++;
        }
      } else {
        pendingInitialization++;
        unknown++;
      }
      continue;
    }
    if (!s) {
      pendingInitialization++;
    } else if (s.state?.running) {
      pendingInitialization++;
    } else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInitialization++;
      } else {
        pendingInitialization++;
      }
    } else {
      pendingInitialization++;
    }
  }

  for (const c of spec?.containers ?? []) {
    const s = find(regular, c.name);
    if (!s) unknown++;
    else if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }

  if (failedInitialization > 0 && restartPolicy === 'Never') return 'Failed';
  if ((pendingInitialization > 0 && !hasAnyRegularContainerStarted(pod, regular)) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

export function hasAnyRegularContainerStarted(pod: Pod, statuses: readonly ContainerStatus[]): boolean {
  const names = new Set((pod.spec?.containers ?? []).map((c) => c.name));
  return statuses.some((s) => names.has(s.name) && (s.state?.running !== undefined || s.state?.terminated !== undefined));
}
