// core/v1 ResourceQuota. status.used is kept by the quota controller (controllers/resource-quota);
// the quota admission plugin (resource-quota-admission.ts) refuses writes that would exceed it.
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.ts';
import { tryParseQuantityValue } from '../../api/index.ts';
import { since } from './age.ts';
import { keepStatus } from './apps-common.ts';
import { ageColumn, column, view, writable } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const rq = (obj: KObject): ResourceQuota => view<ResourceQuota>(obj);

function validateQuota(q: ResourceQuota): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(q.spec?.hard ?? {})) {
    const parsed = tryParseQuantityValue(v);
    if (!parsed.ok) errs.push(fieldErrors.invalid(`spec.hard[${k}]`, v, parsed.error));
    else if (parsed.quantity.nanos < 0n) errs.push(fieldErrors.invalid(`spec.hard[${k}]`, v, 'must be greater than or equal to 0'));
  }
  return errs;
}

/** `pods: 1/2, services: 0/5`: the used/hard pairs whose names do (or do not) start with `limits.`. */
function usage(q: ResourceQuota, limits: boolean): string {
  const hard = q.status?.hard ?? {};
  const used = q.status?.used ?? {};
  return Object.keys(hard)
    .filter((k) => k.startsWith('limits.') === limits)
    .sort()
    .map((k) => `${k}: ${used[k] ?? '0'}/${hard[k]}`)
    .join(', ');
}

export const resourcequotas: ResourceEntry = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  listKind: 'ResourceQuotaList',
  resource: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  schema: 'io.k8s.api.core.v1.ResourceQuota',
  columns: [
    ageColumn,
    column('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  row: (obj, ctx) => [since(obj.metadata?.creationTimestamp, ctx), usage(rq(obj), false), usage(rq(obj), true)],
  hasStatus: true,
  prepareForCreate(obj) {
    writable(rq(obj)).status = {};
  },
  prepareForUpdate: keepStatus,
  validate: (obj) => validateQuota(rq(obj)),
};
