// The garbage collector's finalizers and how a delete's propagation policy sets them.
import type { DeleteOptions } from '../registry/types.ts';

/** Finalizers the garbage collector acts on (metav1.FinalizerOrphanDependents / FinalizerDeleteDependents). */
export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/**
 * The finalizers after a delete with `options`, as upstream deletionFinalizersForGarbageCollection:
 * Foreground adds `foregroundDeletion` (and drops `orphan`), Orphan (or orphanDependents: true) the
 * reverse, Background drops both; no policy keeps what the object has (the default policy of
 * every Peapod resource is Background).
 */
export function gcFinalizers(current: readonly string[], options: DeleteOptions): string[] {
  const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
  if (policy === undefined) return [...current];
  const rest = current.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (policy === 'Foreground') return [...rest, FOREGROUND_FINALIZER];
  if (policy === 'Orphan') return [...rest, ORPHAN_FINALIZER];
  return rest;
}
