import type { ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { hasAnyRegularContainerStarted, isRestartableInit, type PodPhase } from './phase.ts';

/** Condition types the agent owns; every other condition (PodScheduled...) is preserved. */
export const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady']);

type Cond = Omit<PodCondition, 'lastTransitionTime' | 'lastProbeTime'>;

/** Go's `%s` of a []string: `[a b]`. */
const list = (names: string[]): string => `[${names.join(' ')}]`;

export function readyToStartContainers(sandboxReady: boolean): Cond {
  return { type: 'PodReadyToStartContainers', status: sandboxReady ? 'True' : 'False' };
}

/** status.GeneratePodInitializedCondition. */
export function initialized(pod: Pod, init: readonly ContainerStatus[], regular: readonly ContainerStatus[], phase: PodPhase): Cond {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return { type: 'Initialized', status: 'True' };
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of inits) {
    const s = init.find((x) => x.name === c.name);
    if (!s) {
      unknown.push(c.name);
      continue;
    }
    if (isRestartableInit(c)) {
      if (!s.started) incomplete.push(c.name);
      continue;
    }
    if (s.state?.terminated?.exitCode !== 0) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  if (hasAnyRegularContainerStarted(pod, regular)) return { type: 'Initialized', status: 'True' };
  const messages: string[] = [];
  if (unknown.length) messages.push(`containers with unknown status: ${list(unknown)}`);
  if (incomplete.length) messages.push(`containers with incomplete status: ${list(incomplete)}`);
  if (messages.length) return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: messages.join(', ') };
  return { type: 'Initialized', status: 'True' };
}

/** status.GenerateContainersReadyCondition. */
export function containersReady(pod: Pod, init: readonly ContainerStatus[], regular: readonly ContainerStatus[], phase: PodPhase): Cond {
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of pod.spec?.initContainers ?? []) {
    if (!isRestartableInit(c)) continue;
    const s = init.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  for (const c of pod.spec?.containers ?? []) {
    const s = regular.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const messages: string[] = [];
  if (unknown.length) messages.push(`containers with unknown status: ${list(unknown)}`);
  if (unready.length) messages.push(`containers with unready status: ${list(unready)}`);
  if (messages.length) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: messages.join(', ') };
  return { type: 'ContainersReady', status: 'True' };
}

/** status.GeneratePodReadyCondition: ContainersReady, then the readiness gates. */
export function ready(pod: Pod, cr: Cond, preserved: readonly PodCondition[]): Cond {
  if (cr.status !== 'True') return { type: 'Ready', status: cr.status, reason: cr.reason, message: cr.message };
  const missing: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const c = preserved.find((x) => x.type === gate.conditionType);
    if (!c) missing.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') missing.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  if (missing.length) return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: missing.join(', ') };
  return { type: 'Ready', status: 'True' };
}

/** Carries lastTransitionTime over from the previous condition of the type when status is unchanged. */
export function withTransitionTimes(conds: readonly Cond[], previous: readonly PodCondition[], now: string): PodCondition[] {
  return conds.map((c) => {
    const old = previous.find((p) => p.type === c.type);
    const out: PodCondition = { ...c, lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now };
    if (out.reason === undefined) delete out.reason;
    if (out.message === undefined) delete out.message;
    return out;
  });
}
