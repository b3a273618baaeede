// coordination.k8s.io/v1 Lease: leader election and node heartbeats.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { since } from './age.ts';
import { ageColumn, column, view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const lease = (obj: KObject): Lease => view<Lease>(obj);

function validateLease(l: Lease): FieldError[] {
  const errs: FieldError[] = [];
  const spec = l.spec ?? {};
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    errs.push(fieldErrors.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
    errs.push(fieldErrors.invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  // preferredHolder/strategy (coordinated leader election) are newer than kubernetes-types 1.30.
  const extra = spec as Record<string, unknown>;
  if (extra.preferredHolder && !extra.strategy) {
    errs.push(fieldErrors.forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

export const leases: ResourceEntry = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  listKind: 'LeaseList',
  resource: 'leases',
  singular: 'lease',
  namespaced: true,
  schema: 'io.k8s.api.coordination.v1.Lease',
  columns: [
    column(
      'Holder',
      'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
    ),
    ageColumn,
  ],
  row: (obj, ctx) => [lease(obj).spec?.holderIdentity ?? '', since(obj.metadata?.creationTimestamp, ctx)],
  validate: (obj) => validateLease(lease(obj)),
};
