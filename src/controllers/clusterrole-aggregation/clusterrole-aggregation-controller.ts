// Upstream's clusterrole-aggregation controller: a ClusterRole with an aggregationRule holds the
// union of the rules of every ClusterRole its selectors match (`admin`, `edit` and `view` are built
// this way from the system:aggregate-to-* roles and from any role labelled
// rbac.authorization.k8s.io/aggregate-to-<name>: "true"). Any ClusterRole change requeues every
// aggregating ClusterRole; a sync writes `rules` only when the union differs.
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { createWorkQueue, isNotFound, resources, runController } from '../../client/index.ts';
import { selectorMatcher } from '../../api/index.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { byteOrder } from '../../util/index.ts';

export function createClusterRoleAggregationController(deps: ControllerDeps): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'clusterrole-aggregation', clock });
  const roles = deps.informers.informerFor<ClusterRole>(resources.clusterroles);
  const enqueueAggregators = (): void => {
    for (const r of roles.store.list()) if (r.aggregationRule?.clusterRoleSelectors?.length) queue.add(r.metadata?.name ?? '');
  };
  roles.on('add', enqueueAggregators);
  roles.on('update', enqueueAggregators);
  roles.on('delete', enqueueAggregators);

  async function reconcile(name: string, signal: AbortSignal): Promise<void> {
    const role = roles.store.get(name);
    const selectors = role?.aggregationRule?.clusterRoleSelectors;
    if (!role || !selectors?.length) return;
    const matchers = selectors.map((s) => selectorMatcher(s));
    const rules: PolicyRule[] = [];
    const seen = new Set<string>();
    const sources = roles.store.list().filter((r) => r.metadata?.name !== name && matchers.some((m) => m(r.metadata?.labels)));
    sources.sort((a, b) => byteOrder(a.metadata?.name ?? '', b.metadata?.name ?? ''));
    for (const source of sources) {
      for (const rule of source.rules ?? []) {
        const key = JSON.stringify(rule);
        if (seen.has(key)) continue;
        seen.add(key);
        rules.push(rule);
      }
    }
    if (JSON.stringify(role.rules ?? []) === JSON.stringify(rules)) return;
    await client.update<ClusterRole>(resources.clusterroles, undefined, { ...role, rules }, { signal }).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }

  return {
    name: 'clusterrole-aggregation',
    run: (signal) => runController({ name: 'clusterrole-aggregation-controller', reconciler: { reconcile }, queue, workers: 1, signal, logger }),
  };
}
