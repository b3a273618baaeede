// audit.k8s.io/v1 Policy: the first rule matching a request decides its level (None, Metadata,
// Request, RequestResponse); a request no rule matches is not logged, as upstream.
import { parse } from 'yaml';
import type { Attributes } from '../authz/attributes.ts';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
const LEVELS: AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];

interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: string[];
}

export interface AuditPolicy {
  rules: PolicyRule[];
  omitStages?: string[];
}

/** Parses a policy document; throws with the reason when it is not a usable audit.k8s.io/v1 Policy. */
export function parsePolicy(text: string): AuditPolicy {
  const doc = parse(text) as { apiVersion?: string; kind?: string; rules?: unknown; omitStages?: string[] } | null;
  if (doc?.kind !== 'Policy' || !['audit.k8s.io/v1', 'audit.k8s.io/v1beta1'].includes(doc.apiVersion ?? '')) {
    throw new Error('not an audit.k8s.io/v1 Policy');
  }
  if (!Array.isArray(doc.rules)) throw new Error('rules: Required value');
  const rules = doc.rules as PolicyRule[];
  rules.forEach((r, i) => {
    if (!LEVELS.includes(r.level)) throw new Error(`rules[${i}].level: Unsupported value: ${JSON.stringify(r.level)}`);
  });
  return { rules, omitStages: doc.omitStages };
}

const matchesList = (list: string[] | undefined, v: string): boolean => !list?.length || list.includes(v) || list.includes('*');

export function levelFor(policy: AuditPolicy, a: Attributes): AuditLevel {
  for (const r of policy.rules) {
    if (r.users?.length && !r.users.includes(a.user.name)) continue;
    if (r.userGroups?.length && !r.userGroups.some((g) => a.user.groups.includes(g))) continue;
    if (!matchesList(r.verbs, a.verb)) continue;
    if (a.resourceRequest) {
      if (r.nonResourceURLs?.length) continue;
      if (r.namespaces?.length && !r.namespaces.includes(a.namespace ?? '')) continue;
      if (r.resources?.length) {
        const res = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
        const hit = r.resources.some(
          (g) =>
            (g.group ?? '') === (a.apiGroup ?? '') && matchesList(g.resources, res) && (!g.resourceNames?.length || g.resourceNames.includes(a.name ?? '')),
        );
        if (!hit) continue;
      }
    } else {
      if (r.resources?.length || r.namespaces?.length) continue;
      const path = a.path ?? '';
      if (r.nonResourceURLs?.length && !r.nonResourceURLs.some((u) => u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))))) continue;
    }
    return r.level;
  }
  return 'None';
}
