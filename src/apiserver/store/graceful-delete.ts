// Planning a DELETE: finalizers from the propagation policy, the entry's own deletion hooks, and a
// grace period. The plan says whether the object goes now, or is kept with a deletionTimestamp
// (and what it then looks like), without touching storage.
import { isDeepStrictEqual } from 'node:util';
import type { DeleteOptions, KObject, ResourceEntry, StrategyContext } from '../registry/types.ts';
import { deepClone } from './codec.ts';
import { gcFinalizers } from './gc-finalizers.ts';
import { rfc3339 } from '../../api/time.ts';

/**
 * Optional deletion hooks an entry may carry beside ResourceEntry (namespaces: spec.finalizers).
 * `prepareForDelete` marks the copy of the object being deleted and returns true when deletion
 * must wait; `deletePending` says whether an object with a deletionTimestamp and no
 * metadata.finalizers must still be kept by an update.
 */
export interface DeleteHooks {
  prepareForDelete?(obj: KObject, ctx: StrategyContext): boolean;
  deletePending?(obj: KObject): boolean;
}

export type DeletePlan =
  /** Remove the object from storage now. */
  | { readonly action: 'delete' }
  /** Keep it, written as `updated` (deletionTimestamp set, finalizers adjusted). */
  | { readonly action: 'mark'; readonly updated: KObject }
  /** Already being deleted with a deadline no later than this request's: nothing to write. */
  | { readonly action: 'unchanged' };

export function planDelete(entry: ResourceEntry & DeleteHooks, live: KObject, opts: { options: DeleteOptions; clock: StrategyContext }): DeletePlan {
  const meta = live.metadata ?? {};
  const now = opts.clock.now();
  const grace = entry.gracePeriod?.(live, opts.options);
  const finalizers = gcFinalizers(meta.finalizers ?? [], opts.options);
  const updated = deepClone(live);
  const umeta = (updated.metadata ??= {});
  if (!isDeepStrictEqual(finalizers, meta.finalizers ?? [])) umeta.finalizers = finalizers;
  let pending = entry.prepareForDelete?.(updated, opts.clock) ?? false;
  if (grace !== undefined && grace > 0) {
    // Graceful: set (or shorten) the deletion deadline; whoever runs the object finishes it.
    const current = meta.deletionGracePeriodSeconds;
    if (meta.deletionTimestamp && current !== undefined && current <= grace) return { action: 'unchanged' };
    umeta.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
    umeta.deletionGracePeriodSeconds = grace;
    pending = true;
  }
  if (finalizers.length > 0 || pending) {
    if (!umeta.deletionTimestamp) umeta.deletionTimestamp = rfc3339(now);
    if (umeta.deletionGracePeriodSeconds === undefined) umeta.deletionGracePeriodSeconds = 0;
    pending = true;
  }
  return pending ? { action: 'mark', updated } : { action: 'delete' };
}
