// Label keys/values and annotations (apimachinery util/validation IsQualifiedName,
// IsValidLabelValue; meta/v1/validation ValidateLabels; api/validation ValidateAnnotations).
import { type FieldError, fieldErrors } from '../errors.ts';
import { isQualifiedName, labelValueErrors as isValidLabelValue } from '../../api/index.ts';

export { isQualifiedName, isValidLabelValue };

/** Upstream's limit on the summed size of all annotation keys and values. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateLabelName(key: string, field: string): FieldError[] {
  return isQualifiedName(key).map((m) => fieldErrors.invalid(field, key, m));
}

/** Upstream reports every label problem at the map's path (`metadata.labels`), not per key. */
export function validateLabels(labels: unknown, field: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (!isStringMap(labels)) return [fieldErrors.invalid(field, labels, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...validateLabelName(k, field));
    errs.push(...isValidLabelValue(v).map((m) => fieldErrors.invalid(field, v, m)));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (!isStringMap(annotations)) {
    return [fieldErrors.invalid(field, annotations, 'must be a map of string keys to string values')];
  }
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    errs.push(...isQualifiedName(k.toLowerCase()).map((m) => fieldErrors.invalid(field, k, m)));
    total += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fieldErrors.tooLong(field, '', TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

export function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}
