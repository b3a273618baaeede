// Keys of ConfigMap/Secret data (apimachinery IsConfigMapKey) and the `immutable` rule both share.
import { type FieldError, fieldErrors } from '../errors.ts';
import { DNS1123_SUBDOMAIN_MAX_LENGTH, maxLenError, regexError } from '../validation/names.ts';
import { isRecord, jsonEqual } from './common.ts';

const configMapKeyFmt = '[-._a-zA-Z0-9]+';
const configMapKeyRe = new RegExp(`^${configMapKeyFmt}$`);

/** Upstream's limit on the total data of a ConfigMap or Secret (1 MiB). */
export const MAX_DATA_SIZE = 1024 * 1024;

export function isConfigMapKey(key: string): string[] {
  const errs: string[] = [];
  if (key.length > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!configMapKeyRe.test(key)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", configMapKeyFmt, 'key.name', 'KEY_NAME', 'key-name'));
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

export function validateDataKeys(data: unknown, path: string): FieldError[] {
  if (data === undefined || data === null) return [];
  if (!isRecord(data)) return [fieldErrors.invalid(path, data, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(fieldErrors.invalid(`${path}[${k}]`, k, m));
    if (typeof v !== 'string') errs.push(fieldErrors.invalid(`${path}[${k}]`, v, 'must be a string'));
  }
  return errs;
}

/** An object with `immutable: true` keeps its data and stays immutable. */
export function validateImmutableData(
  cur: { immutable?: boolean; data?: unknown; binaryData?: unknown },
  old: { immutable?: boolean; data?: unknown; binaryData?: unknown },
): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (cur.immutable !== true) errs.push(fieldErrors.forbidden('immutable', 'field is immutable when `immutable` is set'));
  if (!jsonEqual(cur.data ?? {}, old.data ?? {})) errs.push(fieldErrors.forbidden('data', 'field is immutable when `immutable` is set'));
  if (!jsonEqual(cur.binaryData ?? {}, old.binaryData ?? {})) {
    errs.push(fieldErrors.forbidden('binaryData', 'field is immutable when `immutable` is set'));
  }
  return errs;
}
