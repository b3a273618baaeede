import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';
import type { LabelSet as Labels } from '../../api/index.ts';
import type { Status } from './status.ts';

/** Data a plugin keeps in CycleState; cloned for preemption dry runs. */
export interface StateData {
  clone(): StateData;
}

/**
 * Per-cycle scratch space shared by the plugins of one scheduling attempt. Single-threaded: one
 * cycle owns it; `clone()` gives preemption an independent copy.
 */
export class CycleState {
  private readonly data = new Map<string, StateData>();
  /** Plugins whose PreFilter returned Skip: their Filter is not called. */
  readonly skipFilter = new Set<string>();
  /** Plugins whose PreScore returned Skip: their Score is not called. */
  readonly skipScore = new Set<string>();
  /** The Filter plugins to run, once PreFilter has decided which to skip (see Framework.runFilter). */
  filters: readonly FilterPlugin[] | undefined;

  write(key: string, value: StateData): void {
    this.data.set(key, value);
  }
  read<T extends StateData>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, v.clone());
    for (const s of this.skipFilter) c.skipFilter.add(s);
    for (const s of this.skipScore) c.skipScore.add(s);
    c.filters = this.filters;
    return c;
  }
}

/** Read access to the cluster as the cycle sees it (the cache; stable for one synchronous cycle). */
export interface SharedLister {
  /** Nodes that exist (no ghosts), in a stable order. */
  list(): readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
  /** Nodes holding at least one pod with pod (anti-)affinity. */
  withPodsWithAffinity(): readonly NodeInfo[];
  /** Nodes holding at least one pod with required anti-affinity. */
  withPodsWithRequiredAntiAffinity(): readonly NodeInfo[];
  /** How many nodes hold this image (ImageLocality spreading). */
  imageNodeCount(image: string): number;
}

/** What plugins get from the framework. */
export interface Handle {
  readonly lister: SharedLister;
  /** Namespace labels for namespaceSelector; unknown namespaces have none. */
  namespaceLabels(ns: string): Labels | undefined;
  /** Pods nominated (by preemption) to run on a node. */
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
  /** Runs PreFilter-extension hooks and Filters as the scheduler would (used by preemption). */
  readonly runner: FilterRunner;
  /** Claims, volumes and classes (VolumeBinding); absent when the scheduler has no such caches. */
  readonly volumes?: VolumeListers;
}

/** The storage objects VolumeBinding reads, and its one write (PreBind). */
export interface VolumeListers {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): readonly PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
  /** Annotates the claim with the node chosen for it (volume.kubernetes.io/selected-node). */
  selectNode(claim: PersistentVolumeClaim, nodeName: string): Promise<void>;
}

export interface FilterRunner {
  runFilterWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
  runAddPod(state: CycleState, pod: PodInfo, added: PodInfo, node: NodeInfo): Status;
  runRemovePod(state: CycleState, pod: PodInfo, removed: PodInfo, node: NodeInfo): Status;
}

/** Cluster events that can make an unschedulable pod schedulable (queue requeueing). */
export type ClusterEvent =
  | 'NodeAdd'
  | 'NodeUpdate'
  | 'NodeDelete'
  | 'AssignedPodAdd'
  | 'AssignedPodUpdate'
  | 'AssignedPodDelete'
  | 'UnscheduledPodUpdate'
  | 'UnschedulableTimeout'
  /** A PersistentVolumeClaim, PersistentVolume or StorageClass was added or changed. */
  | 'VolumeChange'
  | 'ForceActivate';

export interface Plugin {
  readonly name: string;
  /** Events after which pods this plugin rejected may fit; none = every event. */
  readonly events?: readonly ClusterEvent[];
}

/** Before a pod enters activeQ. Non-success keeps it out (e.g. scheduling gates). */
export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: PodInfo): Status;
}

export interface PreFilterResult {
  /** When set, only these nodes can fit; others are not evaluated. */
  readonly nodeNames?: ReadonlySet<string>;
}

export interface PreFilterPlugin extends Plugin {
  /** Once per cycle. Skip → this plugin's Filter is not called; rejection → every node fails. */
  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): { status: Status; result?: PreFilterResult };
  /** Incremental updates of PreFilter state when preemption adds/removes pods on a node copy. */
  addPod?(state: CycleState, pod: PodInfo, added: PodInfo, node: NodeInfo): Status;
  removePod?(state: CycleState, pod: PodInfo, removed: PodInfo, node: NodeInfo): Status;
}

export interface FilterPlugin extends Plugin {
  /** Must not mutate `node`; called for many nodes per cycle, so keep it allocation-free. */
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
}

export interface PostFilterResult {
  readonly nominatedNodeName: string;
  readonly victims: readonly PodInfo[];
}

export interface PostFilterPlugin extends Plugin {
  /** Called when no node fits; `statuses` holds each evaluated node's rejection. */
  postFilter(state: CycleState, pod: PodInfo, statuses: ReadonlyMap<string, Status>): { status: Status; result?: PostFilterResult };
}

export interface PreScorePlugin extends Plugin {
  /** Once per cycle over the feasible nodes. Skip → this plugin's Score is not called. */
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status;
}

export interface ScorePlugin extends Plugin {
  /** Raw score for one feasible node. Throw only on bugs. */
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** In place, to [0, 100]; `scores[i]` belongs to `nodes[i]`. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: Float64Array, nodes: readonly NodeInfo[]): void;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface PreBindPlugin extends Plugin {
  /** After Reserve, before Bind, outside the scheduling cycle (API writes the binding depends on). */
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status>;
}

export interface BindPlugin extends Plugin {
  /** Skip → the next bind plugin tries. Runs outside the scheduling cycle. */
  bind(pod: PodInfo, nodeName: string): Promise<Status>;
}

export type AnyPlugin = Plugin &
  Partial<PreEnqueuePlugin & PreFilterPlugin & FilterPlugin & PostFilterPlugin & PreScorePlugin & ScorePlugin & ReservePlugin & PreBindPlugin & BindPlugin>;

export const MAX_NODE_SCORE = 100;
