// Per-resource hooks around the generic store's writes, for state that lives beside the objects
// (Service ClusterIPs and NodePorts), as upstream's BeginCreate/BeginUpdate/AfterDelete.
import type { KObject } from '../registry/types.ts';

/** Called exactly once with whether the write was stored (false: refused, lost, or dry run). */
export type FinishWrite = (stored: boolean) => void | Promise<void>;

export interface StoreHooks {
  /** After defaulting and admission, before validation; may mutate `obj` or throw an ApiError. */
  beginCreate?(obj: KObject, opts: { dryRun: boolean }): Promise<FinishWrite>;
  /** Same for an update of the main resource (not subresources). */
  beginUpdate?(obj: KObject, old: KObject, opts: { dryRun: boolean }): Promise<FinishWrite>;
  /** After the object left storage; the delete answers once it settles. */
  afterDelete?(obj: KObject): void | Promise<void>;
}
