import type { FilterPlugin } from '../../framework/interfaces.ts';
import { SUCCESS, unresolvable } from '../../framework/status.ts';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";
const REJECTED = unresolvable(ERR_REASON);

/** A pod naming a node in spec.nodeName fits only there (pods reaching the queue rarely do). */
export const nodeName = {
  name: NAME,
  events: ['NodeAdd'],
  filter(_state, pod, node) {
    const want = pod.pod.spec?.nodeName;
    return !want || want === node.name ? SUCCESS : REJECTED;
  },
} satisfies FilterPlugin;
