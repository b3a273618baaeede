import type {
  AnyPlugin,
  BindPlugin,
  ClusterEvent,
  FilterPlugin,
  FilterRunner,
  Handle,
  PostFilterPlugin,
  PostFilterResult,
  PreBindPlugin,
  PreEnqueuePlugin,
  PreFilterPlugin,
  PreScorePlugin,
  ReservePlugin,
  ScorePlugin,
  SharedLister,
  VolumeListers,
} from './interfaces.ts';
import { CycleState } from './interfaces.ts';
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';
import type { Profile } from './profile.ts';
import { UnknownPluginError, type Registry } from './registry.ts';
import type { LabelSet as Labels } from '../../api/index.ts';
import { isRejected, isSuccess, SUCCESS, unresolvable, withPlugin, type Status } from './status.ts';

export interface FrameworkOptions {
  readonly profile: Profile;
  readonly registry: Registry;
  readonly lister: SharedLister;
  readonly namespaceLabels?: (ns: string) => Labels | undefined;
  readonly nominatedPodsForNode?: (nodeName: string) => readonly PodInfo[];
  readonly volumes?: VolumeListers;
}

const has = <K extends keyof AnyPlugin>(p: AnyPlugin, k: K): boolean => typeof p[k] === 'function';

/**
 * One profile's instantiated plugins and the code that runs each extension point. Stateless
 * between cycles; every per-pod datum lives in the CycleState.
 */
export class Framework implements FilterRunner {
  readonly profile: Profile;
  readonly handle: Handle;
  readonly plugins: readonly AnyPlugin[];
  readonly preEnqueue: readonly PreEnqueuePlugin[];
  readonly preFilter: readonly PreFilterPlugin[];
  readonly filter: readonly FilterPlugin[];
  readonly postFilter: readonly PostFilterPlugin[];
  readonly preScore: readonly PreScorePlugin[];
  readonly score: ReadonlyArray<{ plugin: ScorePlugin; weight: number }>;
  readonly reserve: readonly ReservePlugin[];
  readonly preBind: readonly PreBindPlugin[];
  readonly bind: readonly BindPlugin[];

  constructor(opts: FrameworkOptions) {
    this.profile = opts.profile;
    const nominated = opts.nominatedPodsForNode ?? (() => []);
    this.handle = {
      lister: opts.lister,
      namespaceLabels: opts.namespaceLabels ?? (() => undefined),
      nominatedPodsForNode: nominated,
      runner: this,
      volumes: opts.volumes,
    };
    this.plugins = opts.profile.plugins.map((name) => {
      const factory = opts.registry.get(name);
      if (!factory) throw new UnknownPluginError(name);
      return factory(this.handle, opts.profile.pluginArgs?.[name]);
    });
    const all = this.plugins;
    this.preEnqueue = all.filter((p) => has(p, 'preEnqueue')) as PreEnqueuePlugin[];
    this.preFilter = all.filter((p) => has(p, 'preFilter')) as PreFilterPlugin[];
    this.filter = all.filter((p) => has(p, 'filter')) as FilterPlugin[];
    this.postFilter = all.filter((p) => has(p, 'postFilter')) as PostFilterPlugin[];
    this.preScore = all.filter((p) => has(p, 'preScore')) as PreScorePlugin[];
    this.score = (all.filter((p) => has(p, 'score')) as ScorePlugin[]).map((plugin) => ({
      plugin,
      weight: opts.profile.scoreWeights[plugin.name] ?? 1,
    }));
    this.reserve = all.filter((p) => has(p, 'reserve')) as ReservePlugin[];
    this.preBind = all.filter((p) => has(p, 'preBind')) as PreBindPlugin[];
    this.bind = all.filter((p) => has(p, 'bind')) as BindPlugin[];
  }

  /** Events each plugin registered; `undefined` = the plugin reacts to every event. */
  eventsOf(plugin: string): readonly ClusterEvent[] | undefined {
    return this.plugins.find((p) => p.name === plugin)?.events;
  }

  runPreEnqueue(pod: PodInfo): Status {
    for (const p of this.preEnqueue) {
      const s = p.preEnqueue(pod);
      if (!isSuccess(s)) return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  /** Returns the first rejection, or success with the intersection of PreFilterResults. */
  runPreFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): { status: Status; nodeNames?: Set<string>; narrowedBy: string[] } {
    let nodeNames: Set<string> | undefined;
    const narrowedBy: string[] = [];
    for (const p of this.preFilter) {
      const { status, result } = p.preFilter(state, pod, nodes);
      if (status.code === 'Skip') {
        state.skipFilter.add(p.name);
        continue;
      }
      if (!isSuccess(status)) return { status: withPlugin(status, p.name), narrowedBy };
      if (result?.nodeNames) {
        narrowedBy.push(p.name);
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => result.nodeNames!.has(n))) : new Set(result.nodeNames);
        if (nodeNames.size === 0) {
          const msg = `node(s) didn't satisfy plugin(s) [${narrowedBy.join(' ')}] simultaneously`;
          return { status: withPlugin(unresolvable(narrowedBy.length > 1 ? msg : `node(s) didn't satisfy plugin ${p.name}`), p.name), narrowedBy };
        }
      }
    }
    return { status: SUCCESS, nodeNames, narrowedBy };
  }

  /** Stops at the first plugin that does not succeed (upstream default, runAllFilters=false). */
  runFilter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    // Which plugins run is the same for every node of the cycle: decided once, not per node.
    const filters = (state.filters ??= this.filter.filter((p) => !state.skipFilter.has(p.name)));
    for (let i = 0; i < filters.length; i++) {
      const p = filters[i]!;
      const s = p.filter(state, pod, node);
      if (s.code !== 'Success') return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  /**
   * Filters as if pods nominated to this node with priority >= the pod's were already there (so a
   * preemptor's freed space is not taken by others), then without them (so the pod does not depend
   * on them for affinity). Same as upstream RunFilterPluginsWithNominatedPods.
   */
  runFilterWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const nominated = this.handle.nominatedPodsForNode(node.name);
    if (nominated.length > 0) {
      let clone: NodeInfo | undefined;
      let stateCopy: CycleState | undefined;
      for (const np of nominated) {
        if (np.priority < pod.priority || np.key === pod.key) continue;
        clone ??= node.clone();
        stateCopy ??= state.clone();
        clone.addPod(np);
        const s = this.runAddPod(stateCopy, pod, np, clone);
        if (!isSuccess(s)) return s;
      }
      if (clone && stateCopy) {
        const s = this.runFilter(stateCopy, pod, clone);
        if (!isSuccess(s)) return s;
      }
    }
    return this.runFilter(state, pod, node);
  }

  runAddPod(state: CycleState, pod: PodInfo, added: PodInfo, node: NodeInfo): Status {
    for (const p of this.preFilter) {
      if (!p.addPod || state.skipFilter.has(p.name)) continue;
      const s = p.addPod(state, pod, added, node);
      if (!isSuccess(s)) return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  runRemovePod(state: CycleState, pod: PodInfo, removed: PodInfo, node: NodeInfo): Status {
    for (const p of this.preFilter) {
      if (!p.removePod || state.skipFilter.has(p.name)) continue;
      const s = p.removePod(state, pod, removed, node);
      if (!isSuccess(s)) return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  /** The first PostFilter that succeeds (or errors) wins; otherwise the rejection messages. */
  runPostFilter(state: CycleState, pod: PodInfo, statuses: ReadonlyMap<string, Status>): { status: Status; result?: PostFilterResult } {
    let last: { status: Status; result?: PostFilterResult } = { status: unresolvable() };
    for (const p of this.postFilter) {
      const out = p.postFilter(state, pod, statuses);
      if (isSuccess(out.status) || !isRejected(out.status)) return { ...out, status: withPlugin(out.status, p.name) };
      last = { ...out, status: withPlugin(out.status, p.name) };
    }
    return last;
  }

  runPreScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status {
    for (const p of this.preScore) {
      const s = p.preScore(state, pod, nodes);
      if (s.code === 'Skip') state.skipScore.add(p.name);
      else if (!isSuccess(s)) return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  /** Weighted sum of normalized scores per node (index-aligned with `nodes`). */
  runScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Float64Array {
    const n = nodes.length;
    const total = new Float64Array(n);
    const scratch = new Float64Array(n);
    for (const { plugin, weight } of this.score) {
      if (state.skipScore.has(plugin.name)) continue;
      for (let i = 0; i < n; i++) scratch[i] = plugin.score(state, pod, nodes[i]!);
      plugin.normalizeScore?.(state, pod, scratch, nodes);
      for (let i = 0; i < n; i++) total[i]! += scratch[i]! * weight;
    }
    return total;
  }

  runReserve(state: CycleState, pod: PodInfo, nodeName: string): Status {
    for (let i = 0; i < this.reserve.length; i++) {
      const p = this.reserve[i]!;
      const s = p.reserve(state, pod, nodeName);
      if (!isSuccess(s)) {
        this.runUnreserve(state, pod, nodeName);
        return withPlugin(s, p.name);
      }
    }
    return SUCCESS;
  }

  /** Every PreBind in order; the first that does not succeed stops the binding. */
  async runPreBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status> {
    for (const p of this.preBind) {
      const s = await p.preBind(state, pod, nodeName);
      if (!isSuccess(s)) return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  /** Reverse order, as upstream; must be idempotent. */
  runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reserve.length - 1; i >= 0; i--) this.reserve[i]!.unreserve(state, pod, nodeName);
  }
}

export { CycleState };
