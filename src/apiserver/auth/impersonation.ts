// Impersonation (`kubectl --as/--as-group/--as-uid`): the Impersonate-* headers replace the
// requester with another user once the requester is allowed the `impersonate` verb on each of
// users/groups/serviceaccounts/uids/userextras, as upstream's impersonation filter checks.
import type { IncomingMessage } from 'node:http';
import type { Attributes, Decision } from '../authz/attributes.ts';
import { forbiddenError } from '../authz/attributes.ts';
import { badRequest } from '../errors.ts';
import { parseServiceAccountUser } from './service-account-tokens.ts';
import { AUTHENTICATED_GROUP, type UserInfo } from './tokens.ts';

type Authorize = (a: Attributes) => Promise<Decision>;

const values = (v: string | string[] | undefined): string[] =>
  v === undefined
    ? []
    : Array.isArray(v)
      ? v
      : v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);

/** The user the request acts as: `user` itself without Impersonate-* headers. Throws 403/400. */
export async function impersonate(req: IncomingMessage, user: UserInfo, authorize: Authorize): Promise<UserInfo> {
  const h = req.headers;
  const name = typeof h['impersonate-user'] === 'string' ? h['impersonate-user'] : undefined;
  const groups = Array.isArray(h['impersonate-group']) ? h['impersonate-group'] : values(h['impersonate-group']);
  const uid = typeof h['impersonate-uid'] === 'string' ? h['impersonate-uid'] : undefined;
  const extraHeaders = Object.keys(h).filter((k) => k.startsWith('impersonate-extra-'));
  if (name === undefined) {
    if (groups.length || uid !== undefined || extraHeaders.length)
      throw badRequest('requested impersonation of groups, uid or extra without impersonating a user');
    return user;
  }
  const check = async (a: Omit<Attributes, 'user' | 'verb' | 'resourceRequest'>): Promise<void> => {
    const attrs: Attributes = { user, verb: 'impersonate', resourceRequest: true, ...a };
    const d = await authorize(attrs);
    if (!d.allowed) throw forbiddenError(attrs, d.reason);
  };
  const sa = parseServiceAccountUser(name);
  if (sa) await check({ apiGroup: '', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name });
  else await check({ apiGroup: '', resource: 'users', name });
  for (const g of groups) await check({ apiGroup: '', resource: 'groups', name: g });
  if (uid !== undefined) await check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  const extra: Record<string, string[]> = {};
  for (const k of extraHeaders) {
    const key = decodeURIComponent(k.slice('impersonate-extra-'.length));
    const vals = values(h[k]);
    for (const v of vals) await check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: v });
    extra[key] = vals;
  }
  const allGroups = [...groups];
  if (sa) allGroups.push('system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`);
  if (name !== 'system:anonymous' && !allGroups.includes(AUTHENTICATED_GROUP)) allGroups.push(AUTHENTICATED_GROUP);
  return { name, groups: allGroups, ...(uid !== undefined ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}
