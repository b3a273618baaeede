// POST serviceaccounts/<name>/token (TokenRequest, `kubectl create token`): issues a JWT for the
// ServiceAccount, optionally bound to a Pod or Secret that must exist (and, for a pod, run as that
// ServiceAccount). A node may only ask for tokens bound to pods scheduled on it (NodeRestriction).
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ApiContext } from '../context.ts';
import { ApiError, badRequest, fieldErrors, invalid, methodNotAllowed, type FieldError } from '../errors.ts';
import type { SubresourceHandler } from '../handlers/subresources.ts';
import { decodeBody, readBody } from '../http/body.ts';
import { sendJson } from '../http/respond.ts';
import { isRecord } from '../registry/common.ts';
import { rfc3339 } from '../../api/index.ts';
import { nodeNameOf } from '../authz/node-authorizer.ts';
import type { BoundObjectCheck, ServiceAccountTokens } from './service-account-tokens.ts';

const MIN_SECONDS = 600;
const MAX_SECONDS = 2 ** 32;

const forbidden = (name: string, why: string): ApiError =>
  new ApiError(403, 'Forbidden', `serviceaccounts "${name}" is forbidden: ${why}`, { name, kind: 'serviceaccounts' });

export function tokenRequestHandler(tokens: ServiceAccountTokens): SubresourceHandler {
  return async (scope) => {
    if (scope.req.method !== 'POST') throw methodNotAllowed();
    const { ctx, info } = scope;
    const ns = info.namespace ?? '';
    const name = info.name ?? '';
    const body = decodeBody(await readBody(scope.req), scope.req.headers['content-type']);
    if (!isRecord(body)) throw badRequest('the body of the request must be a TokenRequest');
    const spec = isRecord(body.spec) ? body.spec : {};
    const errs: FieldError[] = [];
    const seconds = spec.expirationSeconds === undefined || spec.expirationSeconds === null ? 3600 : spec.expirationSeconds;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds)) errs.push(fieldErrors.invalid('spec.expirationSeconds', seconds, 'must be an integer'));
    else if (seconds < MIN_SECONDS) errs.push(fieldErrors.invalid('spec.expirationSeconds', seconds, 'may not specify a duration less than 10 minutes'));
    else if (seconds > MAX_SECONDS) errs.push(fieldErrors.invalid('spec.expirationSeconds', seconds, 'may not specify a duration larger than 2^32 seconds'));
    const audiences = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string' && a !== '') : [];
    const ref = isRecord(spec.boundObjectRef) ? spec.boundObjectRef : undefined;
    if (ref && !['Pod', 'Secret', 'Node'].includes(String(ref.kind)))
      errs.push(fieldErrors.notSupported('spec.boundObjectRef.kind', ref.kind ?? '', ['Pod', 'Node', 'Secret']));
    if (errs.length) throw invalid('authentication.k8s.io', 'TokenRequest', name, errs);

    const sa = await ctx.byGroupResource('', 'serviceaccounts')!.store.getReadOnly(ns, name);
    let pod: { name: string; uid: string } | undefined;
    let secret: { name: string; uid: string } | undefined;
    let node: { name: string; uid: string } | undefined;
    if (ref) {
      const refName = String(ref.name ?? '');
      const kind = String(ref.kind);
      const resource = kind === 'Pod' ? 'pods' : kind === 'Secret' ? 'secrets' : 'nodes';
      const obj = await ctx.byGroupResource('', resource)!.store.getReadOnly(kind === 'Node' ? undefined : ns, refName);
      const uid = obj.metadata?.uid ?? '';
      if (typeof ref.uid === 'string' && ref.uid !== '' && ref.uid !== uid) {
        throw badRequest(
          `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
        );
      }
      if (kind === 'Pod') {
        const spec = (obj as Pod).spec;
        if ((spec?.serviceAccountName ?? 'default') !== name)
          throw badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
        pod = { name: refName, uid };
        if (spec?.nodeName) node = { name: spec.nodeName, uid: await nodeUid(ctx, spec.nodeName) };
      } else if (kind === 'Secret') secret = { name: refName, uid };
      else node = { name: refName, uid };
    }
    const requester = nodeNameOf(scope.user);
    if (requester) {
      if (!pod) throw forbidden(name, 'node requested token not bound to a pod');
      if (node?.name !== requester) throw forbidden(name, 'node requested token bound to a pod scheduled on a different node');
    }
    const now = ctx.clock.now();
    const issued = tokens.issue({
      namespace: ns,
      serviceAccount: { name, uid: sa.metadata?.uid ?? '' },
      pod,
      secret,
      node,
      audiences,
      expirationSeconds: seconds as number,
      now,
    });
    sendJson(scope.res, 201, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace: ns, creationTimestamp: rfc3339(now) },
      spec: { audiences: audiences.length ? audiences : [tokens.issuer], expirationSeconds: seconds, boundObjectRef: ref ?? null },
      status: { token: issued.token, expirationTimestamp: rfc3339(issued.expiration) },
    });
  };
}

async function nodeUid(ctx: ApiContext, name: string): Promise<string> {
  try {
    return (await ctx.byGroupResource('', 'nodes')!.store.getReadOnly(undefined, name)).metadata?.uid ?? '';
  } catch {
    return '';
  }
}

/** A token stays valid only while its ServiceAccount, pod and secret exist with the same UIDs. */
export function boundObjectCheck(ctx: () => ApiContext | undefined): BoundObjectCheck {
  return async (claims) => {
    const c = ctx();
    if (!c) return false;
    const k = claims['kubernetes.io'];
    const same = async (resource: string, name: string, uid: string): Promise<boolean> => {
      try {
        return (await c.byGroupResource('', resource)!.store.getReadOnly(k.namespace, name)).metadata?.uid === uid;
      } catch {
        return false;
      }
    };
    if (!(await same('serviceaccounts', k.serviceaccount.name, k.serviceaccount.uid))) return false;
    if (k.pod && !(await same('pods', k.pod.name, k.pod.uid))) return false;
    if (k.secret && !(await same('secrets', k.secret.name, k.secret.uid))) return false;
    return true;
  };
}
