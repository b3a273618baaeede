// What an authorizer decides on (upstream's authorizer.Attributes), built from a parsed request,
// and upstream's wording when the answer is no.
import type { UserInfo } from '../auth/tokens.ts';
import { ApiError } from '../errors.ts';

export interface Attributes {
  readonly user: UserInfo;
  readonly verb: string;
  /** true: resource request (namespace/group/resource...); false: non-resource path. */
  readonly resourceRequest: boolean;
  readonly namespace?: string;
  readonly apiGroup?: string;
  readonly apiVersion?: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly name?: string;
  readonly path?: string;
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason?: string };

export interface Authorizer {
  authorize(a: Attributes): Decision | Promise<Decision>;
}

export const ALLOW: Decision = { allowed: true };
export const NO_OPINION: Decision = { allowed: false };

/** Runs authorizers in order; the first allow wins; reasons of the denials are joined. */
export function authorizerChain(...authorizers: Authorizer[]): Authorizer {
  return {
    async authorize(a) {
      const reasons: string[] = [];
      for (const z of authorizers) {
        const d = await z.authorize(a);
        if (d.allowed) return d;
        if (d.reason) reasons.push(d.reason);
      }
      return reasons.length ? { allowed: false, reason: reasons.join(', ') } : NO_OPINION;
    },
  };
}

/**
 * Upstream's 403: `pods "x" is forbidden: User "alice" cannot delete resource "pods" in API group ""
 * in the namespace "dev"`, `... at the cluster scope`, or `forbidden: User "alice" cannot get path "/x"`.
 */
export function forbiddenError(a: Attributes, reason?: string): ApiError {
  const suffix = reason ? `: ${reason}` : '';
  if (!a.resourceRequest) {
    return new ApiError(403, 'Forbidden', `forbidden: User "${a.user.name}" cannot ${a.verb} path "${a.path ?? ''}"${suffix}`, {});
  }
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : (a.resource ?? '');
  const subject = a.name ? `${qualified} "${a.name}"` : qualified;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const message = `${subject} is forbidden: User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup ?? ''}" ${scope}${suffix}`;
  return new ApiError(403, 'Forbidden', message, { ...(a.name ? { name: a.name } : {}), ...(a.apiGroup ? { group: a.apiGroup } : {}), kind: a.resource });
}
