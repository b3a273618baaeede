// Authorization of the API server: the Node authorizer, then RBAC (upstream's
// --authorization-mode=Node,RBAC), with system:masters always allowed as upstream's privileged
// group. Also the pieces the request pipeline uses around it.
import type { ApiContext } from '../context.ts';
import { authorizerChain } from './attributes.ts';
import type { Authorization } from './authorization.ts';
import { NodeAuthorizer } from './node-authorizer.ts';
import { NodeGraph } from './node-graph.ts';
import { RbacAuthorizer } from './rbac-authorizer.ts';

export { forbiddenError, type Attributes, type Authorizer, type Decision } from './attributes.ts';
export { isReview, serveReview } from './reviews.ts';
export { nodeRestriction } from './node-restriction.ts';
export { nodeNameOf } from './node-authorizer.ts';
export { BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_ROLES, BOOTSTRAP_ROLE_BINDINGS } from './bootstrap-policy.ts';
export { rulesCover } from './rules.ts';

export const MASTERS_GROUP = 'system:masters';

export type { Authorization } from './authorization.ts';

export async function startAuthorization(ctx: ApiContext, signal: AbortSignal): Promise<Authorization> {
  const rbac = await RbacAuthorizer.start(ctx, signal);
  const graph = await NodeGraph.start(ctx, signal);
  const chain = authorizerChain(new NodeAuthorizer(graph), rbac);
  return {
    async authorize(a) {
      if (a.user.groups.includes(MASTERS_GROUP)) return { allowed: true };
      return chain.authorize(a);
    },
    rulesFor: (user, ns) => rbac.rulesFor(user, ns),
    rbac,
    graph,
  };
}
export { escalationCheck } from './escalation.ts';
