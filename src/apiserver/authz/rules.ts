// Matching of RBAC PolicyRules and subjects, as upstream's rbac authorizer does (pkg/apis/rbac
// helpers): `*` wildcards, `pods/log` and `*/log` subresource forms, resourceNames, and
// nonResourceURLs with a trailing `*` as prefix match.
import type { PolicyRule, Subject } from 'kubernetes-types/rbac/v1.js';
import type { UserInfo } from '../auth/tokens.ts';
import type { Attributes } from './attributes.ts';

const has = (list: readonly string[] | undefined, v: string): boolean => !!list && (list.includes('*') || list.includes(v));

export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) {
    const path = a.path ?? '';
    return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
  }
  if (!has(rule.apiGroups, a.apiGroup ?? '')) return false;
  const resources = rule.resources ?? [];
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  const resourceOk = resources.some((r) => r === '*' || r === combined || (a.subresource !== undefined && r === `*/${a.subresource}`));
  if (!resourceOk) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

/** Whether a binding subject names this user (bindingNamespace fills a ServiceAccount's default). */
export function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount':
      return user.name === `system:serviceaccount:${s.namespace || bindingNamespace || ''}:${s.name}`;
    default:
      return false;
  }
}

/** Whether `held` rules cover `wanted` (escalation check): every verb/group/resource/name of it. */
export function rulesCover(held: readonly PolicyRule[], wanted: PolicyRule, user: UserInfo): boolean {
  const verbs = wanted.verbs ?? [];
  if ((wanted.nonResourceURLs ?? []).length) {
    return (wanted.nonResourceURLs ?? []).every((path) => verbs.every((verb) => held.some((r) => ruleAllows({ user, verb, resourceRequest: false, path }, r))));
  }
  const groups = wanted.apiGroups ?? [];
  const resources = wanted.resources ?? [];
  const names = wanted.resourceNames?.length ? wanted.resourceNames : [undefined];
  for (const verb of verbs)
    for (const apiGroup of groups)
      for (const res of resources)
        for (const name of names) {
          const [resource, subresource] = res.split('/', 2) as [string, string | undefined];
          const covered = held.some((r) => {
            // A wildcard asked for needs a wildcard held.
            if (verb === '*' && !(r.verbs ?? []).includes('*')) return false;
            if (apiGroup === '*' && !(r.apiGroups ?? []).includes('*')) return false;
            if (res.includes('*') && !(r.resources ?? []).includes('*') && !(r.resources ?? []).includes(res)) return false;
            if (name === undefined && (r.resourceNames ?? []).length > 0) return false;
            return ruleAllows({ user, verb, resourceRequest: true, apiGroup, resource, subresource, name }, { ...r, verbs: r.verbs ?? [] });
          });
          if (!covered) return false;
        }
  return true;
}
