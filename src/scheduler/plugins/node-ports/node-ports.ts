import type { FilterPlugin, PreFilterPlugin } from '../../framework/interfaces.ts';
import { SKIP, SUCCESS, unschedulable } from '../../framework/status.ts';

export const NAME = 'NodePorts';
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";
const REJECTED = unschedulable(ERR_REASON);

/** hostPort conflicts: same protocol and port, and the same IP or 0.0.0.0 on either side. */
export const nodePorts = {
  name: NAME,
  events: ['NodeAdd', 'AssignedPodDelete'],
  preFilter(_state, pod) {
    return { status: pod.hostPorts.length === 0 ? SKIP : SUCCESS };
  },
  filter(_state, pod, node) {
    for (const p of pod.hostPorts) if (node.portInUse(p)) return REJECTED;
    return SUCCESS;
  },
} satisfies PreFilterPlugin & FilterPlugin;
