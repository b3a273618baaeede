// Which PersistentVolume can satisfy a claim (upstream pv_controller's findBestMatchForClaim):
// same class, same volume mode, every requested access mode, enough capacity, the claim's label
// selector, and (with a node given, for WaitForFirstConsumer) node affinity that admits the node.
// A volume pre-bound to the claim (claimRef naming it) wins; otherwise the smallest one that fits.
// The scheduler's VolumeBinding plugin asks the same question per node.
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/index.ts';
import { nodeSelectorTermsMatch } from '../../api/index.ts';
import { isEmptySelector, selectorMatcher } from '../../api/index.ts';

function bytes(q: string | number | undefined): number {
  if (q === undefined) return 0;
  try {
    return parseQuantity(q);
  } catch {
    return 0;
  }
}

export const claimRequest = (c: PersistentVolumeClaim): number => bytes(c.spec?.resources?.requests?.storage);
export const volumeCapacity = (v: PersistentVolume): number => bytes(v.spec?.capacity?.storage);

/** Whether the volume's node affinity admits `node` (no affinity admits every node). */
export function volumeFitsNode(v: PersistentVolume, node: Node): boolean {
  const terms = v.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  return !terms || nodeSelectorTermsMatch(terms, node);
}

/** The volume's claimRef names this claim (uid not yet set, or equal). */
export function preBoundTo(v: PersistentVolume, c: PersistentVolumeClaim): boolean {
  const ref = v.spec?.claimRef;
  if (!ref?.name) return false;
  return ref.name === c.metadata?.name && (ref.namespace ?? '') === (c.metadata?.namespace ?? '') && (!ref.uid || ref.uid === c.metadata?.uid);
}

/** Static fit of `v` for `c`, ignoring who else may have it. */
export function volumeSatisfies(v: PersistentVolume, c: PersistentVolumeClaim): boolean {
  if (v.metadata?.deletionTimestamp) return false;
  if ((v.spec?.storageClassName ?? '') !== (c.spec?.storageClassName ?? '')) return false;
  if ((v.spec?.volumeMode ?? 'Filesystem') !== (c.spec?.volumeMode ?? 'Filesystem')) return false;
  const modes = new Set(v.spec?.accessModes ?? []);
  if (!(c.spec?.accessModes ?? []).every((m) => modes.has(m))) return false;
  if (volumeCapacity(v) < claimRequest(c)) return false;
  if (!isEmptySelector(c.spec?.selector) && !selectorMatcher(c.spec?.selector)(v.metadata?.labels)) return false;
  return true;
}

/** The best volume for the claim among `volumes`, or undefined. */
export function findBestMatch(c: PersistentVolumeClaim, volumes: readonly PersistentVolume[], opts: { node?: Node } = {}): PersistentVolume | undefined {
  let best: PersistentVolume | undefined;
  for (const v of volumes) {
    const claimed = !!v.spec?.claimRef?.name;
    if (claimed && !preBoundTo(v, c)) continue;
    if (!claimed && v.status?.phase !== 'Available') continue;
    if (opts.node && !volumeFitsNode(v, opts.node)) continue;
    if (c.spec?.volumeName && v.metadata?.name !== c.spec.volumeName) continue;
    if (!volumeSatisfies(v, c)) continue;
    if (claimed) return v;
    if (!best || volumeCapacity(v) < volumeCapacity(best)) best = v;
  }
  return best;
}
