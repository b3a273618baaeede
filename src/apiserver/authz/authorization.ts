// The authorization the request pipeline and the RBAC admission checks use (built by
// startAuthorization in index.ts); its own file so those checks import it without a cycle.
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { UserInfo } from '../auth/tokens.ts';
import type { Attributes, Decision } from './attributes.ts';
import type { NodeGraph } from './node-graph.ts';
import type { RbacAuthorizer } from './rbac-authorizer.ts';

export interface Authorization {
  authorize(a: Attributes): Promise<Decision>;
  /** The user's RBAC rules in a namespace (SelfSubjectRulesReview, escalation checks). */
  rulesFor(user: UserInfo, namespace: string | undefined): PolicyRule[];
  readonly rbac: RbacAuthorizer;
  readonly graph: NodeGraph;
}
