import type { FilterPlugin } from '../../framework/interfaces.ts';
import { SUCCESS, unresolvable } from '../../framework/status.ts';
import { tolerates } from '../../../api/index.ts';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
const REJECTED = unresolvable(ERR_REASON_UNSCHEDULABLE);

/** Cordoned nodes (spec.unschedulable) take only pods tolerating node.kubernetes.io/unschedulable. */
export const nodeUnschedulable = {
  name: NAME,
  events: ['NodeAdd', 'NodeUpdate'],
  filter(_state, pod, node) {
    if (!node.node?.spec?.unschedulable) return SUCCESS;
    return tolerates(pod.pod.spec?.tolerations ?? [], UNSCHEDULABLE_TAINT) ? SUCCESS : REJECTED;
  },
} satisfies FilterPlugin;
