// RBAC escalation prevention (upstream's rbac REST storage checks): a user may create or update a
// Role/ClusterRole only with rules they already hold, unless allowed to `escalate` it, and may bind
// a role only when they hold its rules, unless allowed to `bind` it.
import type { PolicyRule, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { UserInfo } from '../auth/tokens.ts';
import { ApiError } from '../errors.ts';
import { RBAC_GROUP } from '../registry/rbac.ts';
import type { AdmissionPlugin } from '../store/generic-store.ts';
import type { Authorization } from './authorization.ts';
import { rulesCover } from './rules.ts';

function formatRule(r: PolicyRule): string {
  const q = (l: readonly string[] | undefined): string => `[${(l ?? []).map((x) => JSON.stringify(x)).join(' ')}]`;
  if (r.nonResourceURLs?.length) return `{NonResourceURLs:${q(r.nonResourceURLs)}, Verbs:${q(r.verbs)}}`;
  return `{APIGroups:${q(r.apiGroups)}, Resources:${q(r.resources)}${r.resourceNames?.length ? `, ResourceNames:${q(r.resourceNames)}` : ''}, Verbs:${q(r.verbs)}}`;
}

function escalationError(resource: string, name: string, user: UserInfo, missing: PolicyRule[]): ApiError {
  const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
  return new ApiError(
    403,
    'Forbidden',
    `${resource}.${RBAC_GROUP} "${name}" is forbidden: user "${user.name}" (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${missing.map(formatRule).join('\n')}`,
    { name, group: RBAC_GROUP, kind: resource },
  );
}

export function escalationCheck(authz: () => Authorization | undefined): AdmissionPlugin {
  return async ({ operation, entry, namespace, obj, user }) => {
    if (entry.group !== RBAC_GROUP || operation === 'DELETE') return;
    const z = authz();
    if (!user || !z || user.groups.includes('system:masters')) return;
    const name = obj.metadata?.name ?? '';
    const held = z.rulesFor(user, namespace);
    const allowedTo = async (verb: string, resource: string, roleName: string, ns: string | undefined): Promise<boolean> =>
      (await z.authorize({ user, verb, resourceRequest: true, apiGroup: RBAC_GROUP, resource, name: roleName, namespace: ns })).allowed;
    if (entry.resource === 'roles' || entry.resource === 'clusterroles') {
      if (await allowedTo('escalate', entry.resource, name, namespace)) return;
      // A ClusterRole's rules must be held cluster-wide.
      const have = entry.resource === 'clusterroles' ? z.rulesFor(user, undefined) : held;
      const wanted = z.rbac.aggregatedRules(obj) ?? (obj.rules as PolicyRule[] | undefined) ?? [];
      const missing = wanted.filter((r) => !rulesCover(have, r, user));
      if (missing.length) throw escalationError(entry.resource, name, user, missing);
      return;
    }
    const ref = (obj as unknown as RoleBinding).roleRef as RoleBinding['roleRef'] | undefined;
    if (!ref) return;
    const roleResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
    if (await allowedTo('bind', roleResource, ref.name, ref.kind === 'Role' ? namespace : namespace)) return;
    const wanted = z.rbac.roleRules(ref.kind, ref.name, namespace);
    const have = entry.resource === 'clusterrolebindings' ? z.rulesFor(user, undefined) : held;
    const missing = wanted.filter((r) => !rulesCover(have, r, user));
    if (missing.length) throw escalationError(entry.resource, name, user, missing);
  };
}
