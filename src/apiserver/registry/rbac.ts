// rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding, with upstream's
// validation (pkg/apis/rbac/validation) and table columns (NAME CREATED AT / NAME ROLE AGE).
import type { ClusterRole, PolicyRule, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { since } from './age.ts';
import { ageColumn, column, jsonEqual, view } from './common.ts';
import type { ColumnDefinition, KObject, ResourceEntry } from './types.ts';
import { isValidPathSegmentName, type NameValidator } from '../validation/names.ts';

// RBAC names are path segments (upstream ValidateRBACName), so `system:node` is valid.
const rbacName: NameValidator = (name, prefix) => (prefix ? [] : isValidPathSegmentName(name));

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

const createdAt: ColumnDefinition = {
  name: 'Created At',
  type: 'date',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
};

function validateRules(rules: readonly PolicyRule[] | undefined, namespaced: boolean, path = 'rules'): FieldError[] {
  const errs: FieldError[] = [];
  (rules ?? []).forEach((rule, i) => {
    const p = `${path}[${i}]`;
    if (!rule.verbs?.length) errs.push(fieldErrors.required(`${p}.verbs`, 'verbs must contain at least one value'));
    const urls = rule.nonResourceURLs ?? [];
    if (urls.length > 0) {
      if (namespaced) errs.push(fieldErrors.invalid(`${p}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
      if ((rule.apiGroups?.length ?? 0) > 0 || (rule.resources?.length ?? 0) > 0 || (rule.resourceNames?.length ?? 0) > 0) {
        errs.push(fieldErrors.invalid(`${p}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (!rule.apiGroups?.length) errs.push(fieldErrors.required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
    if (!rule.resources?.length) errs.push(fieldErrors.required(`${p}.resources`, 'resource rules must supply at least one resource'));
  });
  return errs;
}

function validateBinding(b: RoleBinding, clusterScoped: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = b.roleRef;
  const kinds = clusterScoped ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (ref?.apiGroup !== RBAC_GROUP) errs.push(fieldErrors.notSupported('roleRef.apiGroup', ref?.apiGroup ?? '', [RBAC_GROUP]));
  if (!ref?.kind || !kinds.includes(ref.kind)) errs.push(fieldErrors.notSupported('roleRef.kind', ref?.kind ?? '', kinds));
  if (!ref?.name) errs.push(fieldErrors.required('roleRef.name', ''));
  (b.subjects ?? []).forEach((s: Subject, i) => {
    const p = `subjects[${i}]`;
    if (!s.name) errs.push(fieldErrors.required(`${p}.name`, ''));
    if (s.kind === 'ServiceAccount') {
      if (s.apiGroup) errs.push(fieldErrors.notSupported(`${p}.apiGroup`, s.apiGroup, ['']));
      if (clusterScoped && !s.namespace) errs.push(fieldErrors.required(`${p}.namespace`, ''));
    } else if (s.kind === 'User' || s.kind === 'Group') {
      if (s.apiGroup !== RBAC_GROUP) errs.push(fieldErrors.notSupported(`${p}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
    } else {
      errs.push(fieldErrors.notSupported(`${p}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
    }
  });
  return errs;
}

function roleRefUnchanged(obj: KObject, old: KObject): FieldError[] {
  const now = view<RoleBinding>(obj).roleRef;
  const before = view<RoleBinding>(old).roleRef;
  return jsonEqual(now, before) ? [] : [fieldErrors.invalid('roleRef', now, 'cannot change roleRef')];
}

/** Subjects' API group defaults as upstream's SetDefaults_Subject does. */
function defaultSubjects(obj: KObject): void {
  for (const s of (view<RoleBinding>(obj).subjects ?? []) as Subject[]) {
    if (s.apiGroup === undefined && (s.kind === 'User' || s.kind === 'Group')) (s as { apiGroup?: string }).apiGroup = RBAC_GROUP;
  }
}

const subjectsOf = (obj: KObject, kind: string): string =>
  ((view<RoleBinding>(obj).subjects ?? []) as Subject[])
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? obj.metadata?.namespace ?? ''}/${s.name}` : s.name))
    .join(', ');

const bindingColumns: ColumnDefinition[] = [
  column('Role', 'RoleRef references the role'),
  ageColumn,
  column('Users', 'Users in the binding', { priority: 1 }),
  column('Groups', 'Groups in the binding', { priority: 1 }),
  column('ServiceAccounts', 'ServiceAccounts in the binding', { priority: 1 }),
];

const bindingRow = (obj: KObject, ctx: { now(): Date }): unknown[] => {
  const ref = view<RoleBinding>(obj).roleRef;
  return [
    `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
    since(obj.metadata?.creationTimestamp, ctx),
    subjectsOf(obj, 'User'),
    subjectsOf(obj, 'Group'),
    subjectsOf(obj, 'ServiceAccount'),
  ];
};

const common = { group: RBAC_GROUP, version: 'v1', nameValidator: rbacName } as const;

export const roles: ResourceEntry = {
  ...common,
  kind: 'Role',
  listKind: 'RoleList',
  resource: 'roles',
  singular: 'role',
  namespaced: true,
  schema: 'io.k8s.api.rbac.v1.Role',
  columns: [createdAt],
  row: (obj) => [obj.metadata?.creationTimestamp ?? ''],
  validate: (obj) => validateRules(view<ClusterRole>(obj).rules, true),
};

export const clusterroles: ResourceEntry = {
  ...common,
  kind: 'ClusterRole',
  listKind: 'ClusterRoleList',
  resource: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  schema: 'io.k8s.api.rbac.v1.ClusterRole',
  columns: [createdAt],
  row: (obj) => [obj.metadata?.creationTimestamp ?? ''],
  validate: (obj) => validateRules(view<ClusterRole>(obj).rules, false),
};

export const rolebindings: ResourceEntry = {
  ...common,
  kind: 'RoleBinding',
  listKind: 'RoleBindingList',
  resource: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  schema: 'io.k8s.api.rbac.v1.RoleBinding',
  columns: bindingColumns,
  row: bindingRow,
  defaults: defaultSubjects,
  validate: (obj) => validateBinding(view<RoleBinding>(obj), false),
  validateUpdate: roleRefUnchanged,
};

export const clusterrolebindings: ResourceEntry = {
  ...common,
  kind: 'ClusterRoleBinding',
  listKind: 'ClusterRoleBindingList',
  resource: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  schema: 'io.k8s.api.rbac.v1.ClusterRoleBinding',
  columns: bindingColumns,
  row: bindingRow,
  defaults: defaultSubjects,
  validate: (obj) => validateBinding(view<RoleBinding>(obj), true),
  validateUpdate: roleRefUnchanged,
};

export const rbacResources: ResourceEntry[] = [roles, clusterroles, rolebindings, clusterrolebindings];
