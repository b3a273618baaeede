// Toleration matching (v1 Toleration.ToleratesTaint): the scheduler's TaintToleration filter, the
// DaemonSet controller's node fit and taint-based eviction all decide with these.
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';

/**
 * v1 helper ToleratesTaint: effect and key must match when set; Exists ignores the value; an
 * operator other than Exists, Equal or unset tolerates nothing.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator ?? 'Equal';
  if (op === 'Exists') return true;
  if (op === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return false;
}

export function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint with one of `effects` that no toleration tolerates. */
export function firstUntolerated(taints: readonly Taint[], tolerations: readonly Toleration[], effects: readonly string[]): Taint | undefined {
  for (const taint of taints) {
    if (!effects.includes(taint.effect)) continue;
    if (!tolerates(tolerations, taint)) return taint;
  }
  return undefined;
}
