// The RBAC authorizer: the user's rules are the rules of every Role/ClusterRole bound to them by a
// RoleBinding in the request's namespace or by a ClusterRoleBinding. Roles and bindings are kept in
// memory (listed once, then followed through the watch cache), so a decision costs no storage read.
// ClusterRoles with an aggregationRule also get the rules of the ClusterRoles their selectors match,
// at decision time; the aggregation controller writes the same union into the object.
import type { ClusterRole, PolicyRule, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { ApiContext } from '../context.ts';
import type { UserInfo } from '../auth/tokens.ts';
import { labelSelectorFromObject } from '../selectors/index.ts';
import type { KObject } from '../registry/types.ts';
import { RBAC_GROUP } from '../registry/rbac.ts';
import { listPrefix } from '../store/codec.ts';
import type { Attributes, Authorizer, Decision } from './attributes.ts';
import { ruleAllows, subjectMatches } from './rules.ts';
import { byteOrder } from '../../util/index.ts';

type Kind = 'roles' | 'clusterroles' | 'rolebindings' | 'clusterrolebindings';
const KINDS: Kind[] = ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'];

export class RbacAuthorizer implements Authorizer {
  /** `kind` -> `ns/name` (or `name`) -> object. */
  private readonly objects = new Map<Kind, Map<string, KObject>>(KINDS.map((k) => [k, new Map()]));

  private constructor() {}

  /** Lists the four RBAC resources and follows them; resolves once the cache is filled. */
  static async start(ctx: ApiContext, signal: AbortSignal): Promise<RbacAuthorizer> {
    const z = new RbacAuthorizer();
    for (const kind of KINDS) {
      const handle = ctx.byGroupResource(RBAC_GROUP, kind);
      if (!handle) continue;
      const map = z.objects.get(kind)!;
      const list = await handle.store.list(undefined);
      for (const o of list.items) map.set(keyOf(o), o);
      await ctx.watchCache.subscribe(
        listPrefix(handle.entry, undefined),
        Number(list.resourceVersion),
        (e) => {
          if (e.type === 'DELETED') map.delete(keyOf(e.object));
          else map.set(keyOf(e.object), e.object);
        },
        signal,
      );
    }
    return z;
  }

  authorize(a: Attributes): Decision {
    const found = this.visitRules(a.user, a.namespace, (rule) => ruleAllows(a, rule));
    return found ? { allowed: true } : { allowed: false };
  }

  /** Every rule that applies to the user in `namespace` (cluster-wide ones included). */
  rulesFor(user: UserInfo, namespace: string | undefined): PolicyRule[] {
    const out: PolicyRule[] = [];
    this.visitRules(user, namespace, (r) => {
      out.push(r);
      return false;
    });
    return out;
  }

  /** Rules of a role reference, resolving aggregation; empty when the role does not exist. */
  roleRules(kind: string, name: string, namespace: string | undefined): PolicyRule[] {
    if (kind === 'Role') return (this.objects.get('roles')!.get(`${namespace}/${name}`)?.rules as PolicyRule[] | undefined) ?? [];
    const role = this.objects.get('clusterroles')!.get(name);
    return role ? this.clusterRoleRules(role) : [];
  }

  /** The union an aggregated ClusterRole should hold (for the aggregation controller). */
  aggregatedRules(role: KObject, depth = 0): PolicyRule[] | undefined {
    const selectors = (role as ClusterRole).aggregationRule?.clusterRoleSelectors;
    if (!selectors?.length) return undefined;
    const out: PolicyRule[] = [];
    const seen = new Set<string>();
    for (const other of [...this.objects.get('clusterroles')!.values()].sort((x, y) => byteOrder(keyOf(x), keyOf(y)))) {
      if (other === role || keyOf(other) === keyOf(role)) continue;
      if (!selectors.some((s) => selectorMatches(s, other.metadata?.labels ?? {}))) continue;
      // view is itself aggregated into edit, edit into admin: follow a few levels, never a cycle.
      const rules = depth < 4 ? this.clusterRoleRules(other, depth + 1) : ((other.rules as PolicyRule[] | undefined) ?? []);
      for (const r of rules) {
        const k = JSON.stringify(r);
        if (!seen.has(k)) {
          seen.add(k);
          out.push(r);
        }
      }
    }
    return out;
  }

  private clusterRoleRules(role: KObject, depth = 0): PolicyRule[] {
    return this.aggregatedRules(role, depth) ?? (role.rules as PolicyRule[] | undefined) ?? [];
  }

  private visitRules(user: UserInfo, namespace: string | undefined, visit: (r: PolicyRule) => boolean): boolean {
    for (const b of this.objects.get('clusterrolebindings')!.values()) {
      const rb = b as unknown as RoleBinding;
      if (!rb.roleRef) continue;
      if (!(rb.subjects ?? []).some((s) => subjectMatches(s, user, undefined))) continue;
      if (this.roleRules('ClusterRole', rb.roleRef.name, undefined).some(visit)) return true;
    }
    if (!namespace) return false;
    for (const b of this.objects.get('rolebindings')!.values()) {
      if (b.metadata?.namespace !== namespace) continue;
      const rb = b as unknown as RoleBinding;
      if (!rb.roleRef) continue;
      if (!(rb.subjects ?? []).some((s) => subjectMatches(s, user, namespace))) continue;
      if (this.roleRules(rb.roleRef.kind, rb.roleRef.name, namespace).some(visit)) return true;
    }
    return false;
  }
}

function keyOf(o: KObject): string {
  return o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata?.name ?? '');
}

function selectorMatches(sel: Parameters<typeof labelSelectorFromObject>[0], labels: Record<string, string>): boolean {
  try {
    return labelSelectorFromObject(sel).matches(labels);
  } catch {
    return false; // an invalid selector matches nothing
  }
}
