// core/v1 Secret. `stringData` is write-only: merged into `data` (base64) by defaults(), as
// upstream's v1 conversion does, and never stored.
import type { Secret } from 'kubernetes-types/core/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { since } from './age.ts';
import { ageColumn, column, countKeys, isRecord, view, writable } from './common.ts';
import { MAX_DATA_SIZE, validateDataKeys, validateImmutableData } from './config-keys.ts';
import type { KObject, ResourceEntry } from './types.ts';

const secret = (obj: KObject): Secret => view<Secret>(obj);

const base64Re = /^[A-Za-z0-9+/]*={0,2}$/;

/** Go's base64.StdEncoding error position, or undefined when the text decodes. */
export function base64ErrorOffset(text: string): number | undefined {
  const m = /[^A-Za-z0-9+/=]/.exec(text);
  if (m) return m.index;
  if (!base64Re.test(text)) return text.indexOf('=');
  if (text.length % 4 !== 0) return text.length - (text.length % 4);
  return undefined;
}

function required(data: Record<string, string>, key: string): FieldError[] {
  return key in data ? [] : [fieldErrors.required(`data[${key}]`)];
}

function validateSecret(s: Secret): FieldError[] {
  const errs: FieldError[] = [];
  const data = (isRecord(s.data) ? s.data : {}) as Record<string, string>;
  errs.push(...validateDataKeys(s.data, 'data'));
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'string') continue;
    const at = base64ErrorOffset(v);
    if (at !== undefined) errs.push(fieldErrors.invalid(`data[${k}]`, '<secret contents redacted>', `illegal base64 data at input byte ${at}`));
    else size += Buffer.from(v, 'base64').length;
  }
  if (size > MAX_DATA_SIZE) errs.push(fieldErrors.tooLong('data', '', MAX_DATA_SIZE));
  switch (s.type) {
    case 'kubernetes.io/service-account-token':
      if (!s.metadata?.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(fieldErrors.required('metadata.annotations[kubernetes.io/service-account.name]'));
      }
      break;
    case 'kubernetes.io/dockercfg':
      errs.push(...required(data, '.dockercfg'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      errs.push(...required(data, '.dockerconfigjson'));
      break;
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) {
        errs.push(fieldErrors.required('data[username]', 'must specify at least one of: username, password'));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      errs.push(...required(data, 'ssh-privatekey'));
      break;
    case 'kubernetes.io/tls':
      errs.push(...required(data, 'tls.key'), ...required(data, 'tls.crt'));
      break;
    default:
      break;
  }
  return errs;
}

function validateSecretUpdate(s: Secret, old: Secret): FieldError[] {
  const errs: FieldError[] = [];
  if ((s.type ?? '') !== (old.type ?? '')) errs.push(fieldErrors.invalid('type', s.type ?? '', 'field is immutable'));
  errs.push(...validateImmutableData(s, old));
  return errs;
}

export const secrets: ResourceEntry = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  listKind: 'SecretList',
  resource: 'secrets',
  singular: 'secret',
  namespaced: true,
  schema: 'io.k8s.api.core.v1.Secret',
  columns: [
    column(
      'Type',
      'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types',
    ),
    column(
      'Data',
      "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
      { type: 'integer' },
    ),
    ageColumn,
  ],
  row: (obj, ctx) => [secret(obj).type ?? '', countKeys(secret(obj).data), since(obj.metadata?.creationTimestamp, ctx)],
  fieldSelectors: { type: (o) => secret(o).type ?? '' },
  defaults(obj) {
    const s = writable(secret(obj));
    s.type ||= 'Opaque';
    if (isRecord(s.stringData)) {
      const data: Record<string, string> = { ...(s.data ?? {}) };
      for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      s.data = data;
    }
    delete s.stringData;
  },
  validate: (obj) => validateSecret(secret(obj)),
  validateUpdate: (obj, old) => validateSecretUpdate(secret(obj), secret(old)),
};
