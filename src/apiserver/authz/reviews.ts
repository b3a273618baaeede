// The review APIs, which store nothing: authentication.k8s.io SelfSubjectReview (`kubectl auth
// whoami`) and TokenReview; authorization.k8s.io SelfSubjectAccessReview (`kubectl auth can-i`),
// SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectRulesReview (`can-i --list`).
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from '../auth/tokens.ts';
import { badRequest, invalid, fieldErrors, methodNotAllowed } from '../errors.ts';
import { decodeBody, readBody } from '../http/body.ts';
import { sendJson } from '../http/respond.ts';
import type { ResourceRequest } from '../http/request-info.ts';
import { isRecord } from '../registry/common.ts';
import type { Attributes } from './attributes.ts';
import type { Authorization } from './authorization.ts';
import { rfc3339 } from '../../api/index.ts';

export interface ReviewContext {
  readonly user: UserInfo;
  readonly authz: Authorization;
  /** Authenticates a bearer token (TokenReview). */
  readonly authenticateToken: (token: string) => Promise<UserInfo | undefined>;
  readonly now: Date;
}

type Review = (body: Record<string, unknown>, info: ResourceRequest, c: ReviewContext) => Promise<Record<string, unknown>>;

const userInfoOut = (u: UserInfo): Record<string, unknown> => ({
  username: u.name,
  ...(u.uid ? { uid: u.uid } : {}),
  groups: [...u.groups],
  ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}),
});

function attributesFromSpec(spec: Record<string, unknown>, user: UserInfo, kind: string, forcedNamespace?: string): Attributes {
  const ra = spec.resourceAttributes;
  const na = spec.nonResourceAttributes;
  if (isRecord(ra)) {
    const s = (k: string): string | undefined => (typeof ra[k] === 'string' && ra[k] !== '' ? (ra[k] as string) : undefined);
    if (forcedNamespace !== undefined && s('namespace') !== undefined && s('namespace') !== forcedNamespace) {
      throw invalid('authorization.k8s.io', kind, '', [
        fieldErrors.invalid('spec.resourceAttributes.namespace', s('namespace'), 'must match metadata.namespace'),
      ]);
    }
    return {
      user,
      resourceRequest: true,
      verb: s('verb') ?? '',
      namespace: forcedNamespace ?? s('namespace'),
      apiGroup: s('group') ?? '',
      apiVersion: s('version'),
      resource: s('resource'),
      subresource: s('subresource'),
      name: s('name'),
    };
  }
  if (isRecord(na)) {
    return { user, resourceRequest: false, verb: typeof na.verb === 'string' ? na.verb : '', path: typeof na.path === 'string' ? na.path : '' };
  }
  throw invalid('authorization.k8s.io', kind, '', [
    fieldErrors.invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'),
  ]);
}

async function accessStatus(c: ReviewContext, a: Attributes): Promise<Record<string, unknown>> {
  const d = await c.authz.authorize(a);
  if (d.allowed) return { allowed: true, reason: a.user.groups.includes('system:masters') ? '' : 'RBAC: allowed' };
  return { allowed: false, ...(d.reason ? { reason: d.reason } : {}) };
}

const specOf = (body: Record<string, unknown>): Record<string, unknown> => (isRecord(body.spec) ? body.spec : {});

const REVIEWS: Record<string, Review> = {
  'authentication.k8s.io/selfsubjectreviews': async (_b, _i, c) => ({ status: { userInfo: userInfoOut(c.user) } }),
  'authentication.k8s.io/tokenreviews': async (body, _i, c) => {
    const token = specOf(body).token;
    if (typeof token !== 'string' || token === '') throw invalid('authentication.k8s.io', 'TokenReview', '', [fieldErrors.required('spec.token', '')]);
    const u = await c.authenticateToken(token);
    return { status: u ? { authenticated: true, user: userInfoOut(u) } : { authenticated: false } };
  },
  'authorization.k8s.io/selfsubjectaccessreviews': async (body, _i, c) => ({
    status: await accessStatus(c, attributesFromSpec(specOf(body), c.user, 'SelfSubjectAccessReview')),
  }),
  'authorization.k8s.io/subjectaccessreviews': async (body, _i, c) => ({
    status: await accessStatus(c, attributesFromSpec(specOf(body), subjectOf(specOf(body), 'SubjectAccessReview'), 'SubjectAccessReview')),
  }),
  'authorization.k8s.io/localsubjectaccessreviews': async (body, info, c) => ({
    status: await accessStatus(
      c,
      attributesFromSpec(specOf(body), subjectOf(specOf(body), 'LocalSubjectAccessReview'), 'LocalSubjectAccessReview', info.namespace ?? ''),
    ),
  }),
  'authorization.k8s.io/selfsubjectrulesreviews': async (body, _i, c) => {
    const ns = specOf(body).namespace;
    const rules = c.authz.rulesFor(c.user, typeof ns === 'string' && ns !== '' ? ns : undefined);
    return {
      status: {
        resourceRules: rules
          .filter((r) => !(r.nonResourceURLs ?? []).length)
          .map((r) => ({
            verbs: r.verbs,
            apiGroups: r.apiGroups ?? [],
            resources: r.resources ?? [],
            ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
          })),
        nonResourceRules: rules
          .filter((r: PolicyRule) => (r.nonResourceURLs ?? []).length)
          .map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
        incomplete: false,
      },
    };
  },
};

function subjectOf(spec: Record<string, unknown>, kind: string): UserInfo {
  const user = typeof spec.user === 'string' ? spec.user : '';
  const groups = Array.isArray(spec.groups) ? spec.groups.filter((g): g is string => typeof g === 'string') : [];
  if (!user && groups.length === 0)
    throw invalid('authorization.k8s.io', kind, '', [fieldErrors.invalid('spec.user', '', '`spec.user` or `spec.groups` must be specified')]);
  return { name: user, groups, ...(typeof spec.uid === 'string' ? { uid: spec.uid } : {}) };
}

/** Whether a path names a review resource (served by serveReview, never by a store). */
export function isReview(info: ResourceRequest): boolean {
  return `${info.group}/${info.resource}` in REVIEWS && info.version === 'v1';
}

/** POST of a review: echoes the request with its status filled in (HTTP 201, as upstream). */
export async function serveReview(req: IncomingMessage, res: ServerResponse, info: ResourceRequest, c: ReviewContext): Promise<void> {
  if (req.method !== 'POST' || info.name) throw methodNotAllowed();
  const key = `${info.group}/${info.resource}`;
  if (info.resource === 'localsubjectaccessreviews' ? !info.namespace : info.namespace) throw badRequest('the server could not find the requested resource');
  const body = decodeBody(await readBody(req), req.headers['content-type']);
  if (!isRecord(body)) throw badRequest('the body of the request must be an object');
  const out = await REVIEWS[key]!(body, info, c);
  const kind =
    {
      selfsubjectreviews: 'SelfSubjectReview',
      tokenreviews: 'TokenReview',
      selfsubjectaccessreviews: 'SelfSubjectAccessReview',
      subjectaccessreviews: 'SubjectAccessReview',
      localsubjectaccessreviews: 'LocalSubjectAccessReview',
      selfsubjectrulesreviews: 'SelfSubjectRulesReview',
    }[info.resource] ?? '';
  const meta = isRecord(body.metadata) ? body.metadata : {};
  sendJson(res, 201, {
    kind,
    apiVersion: `${info.group}/v1`,
    metadata: { ...meta, creationTimestamp: rfc3339(c.now) },
    ...(key === 'authentication.k8s.io/selfsubjectreviews' ? {} : { spec: body.spec ?? {} }),
    ...out,
  });
}
