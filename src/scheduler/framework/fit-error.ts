import { byteOrder } from '../../util/index.ts';
import type { Status } from './status.ts';

/** Why a pod fits nowhere: per-node rejections plus PreFilter/PostFilter messages. */
export interface Diagnosis {
  /** Rejection of each node that was evaluated. */
  readonly nodeToStatus: Map<string, Status>;
  /** The status of nodes that were never evaluated (not in nodeToStatus). */
  absentStatus?: Status;
  /** Plugins that rejected the pod (drives requeueing on cluster events). */
  readonly unschedulablePlugins: Set<string>;
  preFilterMsg: string;
  postFilterMsg: string;
}

export interface FitError {
  readonly numAllNodes: number;
  readonly diagnosis: Diagnosis;
}

export const newDiagnosis = (): Diagnosis => ({
  nodeToStatus: new Map(),
  unschedulablePlugins: new Set(),
  preFilterMsg: '',
  postFilterMsg: '',
});

/** Go's sort.Strings: byte-wise ordering (not locale). */

/**
 * The FailedScheduling message, as upstream FitError.Error():
 * `0/3 nodes are available: <PreFilterMsg>. | <sorted "count reason" list>. <PostFilterMsg>`.
 * Reasons are counted per node, and sorted as whole "count reason" strings.
 */
export function fitErrorMessage(e: FitError): string {
  const d = e.diagnosis;
  let msg = `0/${e.numAllNodes} nodes are available:`;
  if (d.preFilterMsg !== '') {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const s of d.nodeToStatus.values()) {
      for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    const absent = e.numAllNodes - d.nodeToStatus.size;
    if (absent > 0 && d.absentStatus) {
      for (const r of d.absentStatus.reasons) counts.set(r, (counts.get(r) ?? 0) + absent);
    }
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort(byteOrder);
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg !== '') msg += ` ${d.postFilterMsg}`;
  return msg;
}

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
