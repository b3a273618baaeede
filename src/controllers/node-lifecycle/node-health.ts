// Pure rules of the node lifecycle controller (upstream pkg/controller/nodelifecycle): what a
// node's conditions become when its agent stops posting, and which taints its conditions imply
// (TaintNodesByCondition plus the NoExecute taints taint-based eviction acts on).
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1.js';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';

/** Taint keys this controller owns: it adds and removes them; other taints are never touched. */
export const MANAGED_TAINT_KEYS: ReadonlySet<string> = new Set([
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  TAINT_MEMORY_PRESSURE,
  TAINT_DISK_PRESSURE,
  TAINT_PID_PRESSURE,
]);

/** The conditions a kubelet posts; all become Unknown when it stops. */
const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export function conditionOf(node: Node, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/** Ready's status: True, False or Unknown (absent counts as Unknown). */
export function readyStatus(node: Node): 'True' | 'False' | 'Unknown' {
  const s = conditionOf(node, 'Ready')?.status;
  return s === 'True' || s === 'False' ? s : 'Unknown';
}

/**
 * The conditions of a node whose agent missed the grace period: every kubelet condition Unknown
 * (upstream's reasons and messages), lastHeartbeatTime kept. Returns undefined when nothing changes.
 */
export function unknownConditions(node: Node, now: string): NodeCondition[] | undefined {
  const current = node.status?.conditions ?? [];
  let changed = false;
  const out = current.map((c) => {
    if (!(KUBELET_CONDITIONS as readonly string[]).includes(c.type) || c.status === 'Unknown') return c;
    changed = true;
    return { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now };
  });
  for (const type of KUBELET_CONDITIONS) {
    if (current.some((c) => c.type === type)) continue;
    changed = true;
    out.push({
      type,
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
      message: 'Kubelet never posted node status.',
      lastHeartbeatTime: node.metadata?.creationTimestamp ?? now,
      lastTransitionTime: now,
    });
  }
  return changed ? out : undefined;
}

/** The managed taints a node's conditions and spec call for (effect and key; timeAdded set by reconcileTaints). */
export function desiredTaints(node: Node): Taint[] {
  const out: Taint[] = [];
  const ready = readyStatus(node);
  if (ready === 'False') out.push({ key: TAINT_NOT_READY, effect: 'NoExecute' }, { key: TAINT_NOT_READY, effect: 'NoSchedule' });
  if (ready === 'Unknown') out.push({ key: TAINT_UNREACHABLE, effect: 'NoExecute' }, { key: TAINT_UNREACHABLE, effect: 'NoSchedule' });
  if (conditionOf(node, 'MemoryPressure')?.status === 'True') out.push({ key: TAINT_MEMORY_PRESSURE, effect: 'NoSchedule' });
  if (conditionOf(node, 'DiskPressure')?.status === 'True') out.push({ key: TAINT_DISK_PRESSURE, effect: 'NoSchedule' });
  if (conditionOf(node, 'PIDPressure')?.status === 'True') out.push({ key: TAINT_PID_PRESSURE, effect: 'NoSchedule' });
  if (node.spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

/**
 * The node's taints with the managed ones brought in line with `desiredTaints`: existing matches
 * are kept as they are (their timeAdded is when the condition began), missing ones are added
 * (NoExecute with timeAdded = now), stale ones removed. Undefined when nothing changes.
 */
export function reconcileTaints(node: Node, now: string): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const want = desiredTaints(node);
  const same = (a: Taint, b: Taint): boolean => a.key === b.key && a.effect === b.effect;
  const kept = current.filter((t) => !MANAGED_TAINT_KEYS.has(t.key) || want.some((w) => same(w, t)));
  const added = want.filter((w) => !current.some((t) => same(w, t))).map((w) => (w.effect === 'NoExecute' ? { ...w, timeAdded: now } : w));
  if (added.length === 0 && kept.length === current.length) return undefined;
  return [...kept, ...added];
}
