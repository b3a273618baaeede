import type { Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { podQos } from '../pods/qos.ts';
import { containersReady, initialized, KUBELET_CONDITIONS, readyToStartContainers, ready, withTransitionTimes } from './conditions.ts';
import { rfc3339 as apiTime } from '../../api/index.ts';
import { containerStatuses } from './container-statuses.ts';
import { getPhase } from './phase.ts';
import type { PodObservation } from './types.ts';
import { canonical } from '../../util/index.ts';

/**
 * The pod's status as kubelet's generateAPIPodStatus computes it, from what the pod worker
 * observed. Pure: same inputs, same status (times come from the observation and the previous
 * status), so the caller can compare with the last status it sent and skip unchanged updates.
 *
 * `previous` is the last status sent (or the API's status before the first sync).
 */
export function computePodStatus(pod: Pod, obs: PodObservation, previous: PodStatus | undefined): PodStatus {
  const spec = pod.spec;
  const now = apiTime(obs.now);
  const initStatuses = containerStatuses(pod, spec?.initContainers ?? [], true, obs, previous?.initContainerStatuses);
  const regular = containerStatuses(pod, spec?.containers ?? [], false, obs, previous?.containerStatuses);

  let phase = getPhase(pod, initStatuses, regular, obs.podIsTerminal);
  let reason: string | undefined;
  let message: string | undefined;
  if (obs.failure) {
    phase = 'Failed';
    reason = obs.failure.reason;
    message = obs.failure.message;
  }
  // A terminal phase never changes again (kubelet and the apiserver both enforce it).
  const old = previous?.phase;
  if ((old === 'Succeeded' || old === 'Failed') && phase !== old) {
    phase = old;
    reason = previous?.reason;
    message = previous?.message;
  }

  const preserved: PodCondition[] = (previous?.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type));
  const cr = containersReady(pod, initStatuses, regular, phase);
  const conds = [
    readyToStartContainers(obs.sandboxIp !== undefined && !(obs.podIsTerminal && allStopped(obs))),
    initialized(pod, initStatuses, regular, phase),
    ready(pod, cr, preserved),
    cr,
  ];
  const status: PodStatus = {
    phase,
    conditions: [...withTransitionTimes(conds, previous?.conditions ?? [], now), ...preserved],
    hostIP: obs.hostIp,
    hostIPs: [{ ip: obs.hostIp }],
    startTime: previous?.startTime ?? now,
    qosClass: podQos(pod),
  };
  if (reason) status.reason = reason;
  if (message) status.message = message;
  const podIp = obs.sandboxIp ?? previous?.podIP;
  if (podIp) {
    status.podIP = podIp;
    status.podIPs = [{ ip: podIp }];
  }
  if (initStatuses.length) status.initContainerStatuses = initStatuses;
  status.containerStatuses = regular;
  return status;
}

function allStopped(obs: PodObservation): boolean {
  for (const list of obs.containers.values()) if (list[0]?.status.state === 'running') return false;
  return true;
}

/** The status as JSON with sorted keys: equal statuses (in any key order) give equal strings. */
export function canonicalStatus(s: PodStatus): string {
  return canonical(s);
}
