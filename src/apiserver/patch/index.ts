// Patch formats the apiserver accepts on PATCH: JSON patch, merge patch, strategic merge patch
// and server-side apply, plus managedFields bookkeeping for ordinary writes.
export type { Json, JsonObject } from './json.ts';
export { PatchError } from './patch-error.ts';
export { applyJsonPatch, type JsonPatchOperation } from './json-patch.ts';
export { applyMergePatch } from './merge-patch.ts';
export { applyStrategicMergePatch, type StrategicMergeOptions } from './strategic-merge-patch.ts';
export {
  applyServerSide,
  applyConflictMessage,
  applyConflictCauses,
  parseApplyBody,
  type ApplyConflict,
  type ServerSideApplyOptions,
  type ServerSideApplyResult,
} from './server-side-apply.ts';
export { updateManagedFields, type UpdateManagedFieldsOptions } from './managed-fields.ts';
