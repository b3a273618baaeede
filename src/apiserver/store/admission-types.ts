// What the generic store hands to admission and to the managed-fields bookkeeping on each write.
import type { UserInfo } from '../auth/tokens.ts';
import type { KObject, ResourceEntry } from '../registry/types.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

/** Admission: may mutate `obj` or throw an ApiError to refuse the write. */
export type AdmissionPlugin = (attrs: {
  operation: Operation;
  entry: ResourceEntry;
  namespace: string | undefined;
  obj: KObject;
  old: KObject | undefined;
  subresource: string | undefined;
  /** The user the request acts as (upstream's admission.Attributes.GetUserInfo); undefined for the server's own writes. */
  user: UserInfo | undefined;
}) => void | Promise<void>;

/** Records the field manager of a write in metadata.managedFields (server-side apply bookkeeping). */
export type ManagedFieldsUpdater = (old: KObject | undefined, obj: KObject, manager: string, subresource: string | undefined) => KObject;
