// core/v1 ServiceAccount.
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { isDNS1123Subdomain } from '../validation/names.ts';
import { since } from './age.ts';
import { ageColumn, column, view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const sa = (obj: KObject): ServiceAccount => view<ServiceAccount>(obj);

export const serviceaccounts: ResourceEntry = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  listKind: 'ServiceAccountList',
  resource: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  schema: 'io.k8s.api.core.v1.ServiceAccount',
  columns: [
    column('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', {
      type: 'integer',
    }),
    ageColumn,
  ],
  row: (obj, ctx) => [sa(obj).secrets?.length ?? 0, since(obj.metadata?.creationTimestamp, ctx)],
  validate(obj) {
    const errs: FieldError[] = [];
    (sa(obj).secrets ?? []).forEach((ref, i) => {
      const name = ref.name ?? '';
      if (name) for (const m of isDNS1123Subdomain(name)) errs.push(fieldErrors.invalid(`secrets[${i}].name`, name, m));
    });
    return errs;
  },
};
