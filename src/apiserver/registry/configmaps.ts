// core/v1 ConfigMap.
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { since } from './age.ts';
import { ageColumn, column, countKeys, view } from './common.ts';
import { MAX_DATA_SIZE, validateDataKeys, validateImmutableData } from './config-keys.ts';
import type { KObject, ResourceEntry } from './types.ts';

const cm = (obj: KObject): ConfigMap => view<ConfigMap>(obj);

function validateConfigMap(c: ConfigMap): FieldError[] {
  const errs = [...validateDataKeys(c.data, 'data'), ...validateDataKeys(c.binaryData, 'binaryData')];
  let size = 0;
  for (const [k, v] of Object.entries(c.data ?? {})) {
    size += Buffer.byteLength(String(v));
    if (c.binaryData && k in c.binaryData) errs.push(fieldErrors.invalid(`binaryData[${k}]`, k, 'duplicate of key present in data'));
  }
  for (const v of Object.values(c.binaryData ?? {})) size += Buffer.from(String(v), 'base64').length;
  if (size > MAX_DATA_SIZE) errs.push(fieldErrors.tooLong('', '', MAX_DATA_SIZE));
  return errs;
}

export const configmaps: ResourceEntry = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  resource: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  schema: 'io.k8s.api.core.v1.ConfigMap',
  columns: [column('Data', 'Data contains the configuration data.', { type: 'integer' }), ageColumn],
  row: (obj, ctx) => [countKeys(cm(obj).data) + countKeys(cm(obj).binaryData), since(obj.metadata?.creationTimestamp, ctx)],
  validate: (obj) => validateConfigMap(cm(obj)),
  validateUpdate: (obj, old) => validateImmutableData(cm(obj), cm(old)),
};
