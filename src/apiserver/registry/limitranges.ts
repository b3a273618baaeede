// core/v1 LimitRange. Container items get upstream's defaulting (default limit from max, default
// request from the default limit, then from min); the limit-range admission plugin applies the
// defaults to new pods and enforces min/max/maxLimitRequestRatio.
import type { LimitRange, LimitRangeItem } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.ts';
import { tryParseQuantityValue } from '../../api/index.ts';
import { column, view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const lr = (obj: KObject): LimitRange => view<LimitRange>(obj);
type Mutable = { -readonly [K in keyof LimitRangeItem]: LimitRangeItem[K] };

function defaultItem(item: Mutable): void {
  if (item.type !== 'Container') return;
  const def = (item.default = { ...(item.default ?? {}) });
  const req = (item.defaultRequest = { ...(item.defaultRequest ?? {}) });
  for (const [k, v] of Object.entries(item.max ?? {})) def[k] ??= v;
  for (const [k, v] of Object.entries(def)) req[k] ??= v;
  for (const [k, v] of Object.entries(item.min ?? {})) req[k] ??= v;
}

function validateLimitRange(l: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  (l.spec?.limits ?? []).forEach((item, i) => {
    const path = `spec.limits[${i}]`;
    if (!item.type) errs.push(fieldErrors.required(`${path}.type`));
    for (const field of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) {
      for (const [k, v] of Object.entries(item[field] ?? {})) {
        const parsed = tryParseQuantityValue(v);
        if (!parsed.ok) errs.push(fieldErrors.invalid(`${path}.${field}[${k}]`, v, parsed.error));
      }
    }
  });
  return errs;
}

export const limitranges: ResourceEntry = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  listKind: 'LimitRangeList',
  resource: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  schema: 'io.k8s.api.core.v1.LimitRange',
  columns: [column('Created At', 'Creation timestamp of the LimitRange', { type: 'date' })],
  row: (obj) => [obj.metadata?.creationTimestamp ?? ''],
  defaults(obj) {
    for (const item of lr(obj).spec?.limits ?? []) defaultItem(item as Mutable);
  },
  validate: (obj) => validateLimitRange(lr(obj)),
};
