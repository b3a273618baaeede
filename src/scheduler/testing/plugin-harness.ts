import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { SchedulerCache } from '../cache/scheduler-cache.ts';
import { Framework } from '../framework/framework.ts';
import { CycleState } from '../framework/interfaces.ts';
import { newPodInfo } from '../framework/pod-info.ts';
import { DEFAULT_PROFILE, type Profile } from '../framework/profile.ts';
import { statusMessage, type Status } from '../framework/status.ts';
import { inTreeRegistry } from '../plugins/index.ts';

/** A framework with only `plugins` enabled over a cache holding `nodes` and bound `pods`. */
export function harness(plugins: string[], nodes: Node[], pods: Pod[] = [], extra: Partial<Profile> = {}) {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.addNode(n);
  for (const p of pods) cache.addPod(p);
  const fwk = new Framework({ profile: { ...DEFAULT_PROFILE, plugins, ...extra }, registry: inTreeRegistry(), lister: cache });
  /** Filter result per node: '' for success, else "code: message". */
  const filter = (pod: Pod): Record<string, string> => {
    const state = new CycleState();
    const pi = newPodInfo(pod);
    const pre = fwk.runPreFilter(state, pi, cache.list());
    const out: Record<string, string> = {};
    for (const n of cache.list()) {
      const s: Status =
        pre.status.code !== 'Success'
          ? pre.status
          : pre.nodeNames && !pre.nodeNames.has(n.name)
            ? { code: 'UnschedulableAndUnresolvable', reasons: ['narrowed'] }
            : fwk.runFilter(state, pi, n);
      out[n.name] = s.code === 'Success' ? '' : `${s.code}: ${statusMessage(s)}`;
    }
    return out;
  };
  /** Weighted, normalized score per node over all nodes. */
  const score = (pod: Pod): Record<string, number> => {
    const state = new CycleState();
    const pi = newPodInfo(pod);
    const nodesList = cache.list();
    fwk.runPreScore(state, pi, nodesList);
    const totals = fwk.runScore(state, pi, nodesList);
    return Object.fromEntries(nodesList.map((n, i) => [n.name, totals[i]!]));
  };
  return { cache, fwk, filter, score };
}
