// Upstream's Node authorizer: a user `system:node:<name>` in group `system:nodes` gets the
// system:node rules, and reads of Secrets, ConfigMaps, PVCs and ServiceAccounts (and token
// requests) only for objects its own pods use. Writes to Nodes, Leases and pods are further held to
// the node's own objects by NodeRestriction admission (node-restriction.ts).
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { ALLOW, NO_OPINION, type Attributes, type Authorizer, type Decision } from './attributes.ts';
import { BOOTSTRAP_CLUSTER_ROLES } from './bootstrap-policy.ts';
import type { NodeGraph } from './node-graph.ts';
import { ruleAllows } from './rules.ts';

export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';

/** The node name of a node identity, else undefined. */
export function nodeNameOf(user: { name: string; groups: readonly string[] }): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length) || undefined;
}

const NODE_RULES: PolicyRule[] = BOOTSTRAP_CLUSTER_ROLES.find((r) => r.metadata?.name === 'system:node')?.rules ?? [];
const GRAPHED = new Set(['secrets', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts']);

export class NodeAuthorizer implements Authorizer {
  constructor(private readonly graph: NodeGraph) {}

  authorize(a: Attributes): Decision {
    const node = nodeNameOf(a.user);
    if (!node) return NO_OPINION;
    if (!NODE_RULES.some((r) => ruleAllows(a, r))) return NO_OPINION;
    if (!a.resourceRequest || (a.apiGroup ?? '') !== '' || !GRAPHED.has(a.resource ?? '')) return ALLOW;
    const noRelation = { allowed: false, reason: `no relationship found between node '${node}' and this object` } as const;
    if (!a.name || !a.namespace) return noRelation;
    if (a.resource === 'serviceaccounts' && a.subresource && a.subresource !== 'token') return noRelation;
    const kind = a.resource as 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts';
    return this.graph.has(node, kind, a.namespace, a.name) ? ALLOW : noRelation;
  }
}
