/**
 * A scheduling profile: which plugins run, in which order, and the score weights. Extension points
 * are derived from the methods each plugin implements, in `plugins` order.
 */
export interface Profile {
  readonly schedulerName: string;
  readonly plugins: readonly string[];
  /** Score weight per plugin; plugins that score and are absent here get weight 1. */
  readonly scoreWeights: Readonly<Record<string, number>>;
  /** 0 or undefined = adaptive (50 - nodes/125, at least 5%). */
  readonly percentageOfNodesToScore?: number;
  readonly pluginArgs?: Readonly<Record<string, unknown>>;
}

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** Upstream's default profile (the in-tree plugins we implement), in upstream filter order. */
export const DEFAULT_PROFILE: Profile = Object.freeze({
  schedulerName: DEFAULT_SCHEDULER_NAME,
  plugins: Object.freeze([
    'SchedulingGates',
    'NodeUnschedulable',
    'NodeName',
    'TaintToleration',
    'NodeAffinity',
    'NodePorts',
    'NodeResourcesFit',
    'VolumeBinding',
    'PodTopologySpread',
    'InterPodAffinity',
    'DefaultPreemption',
    'NodeResourcesBalancedAllocation',
    'ImageLocality',
  ]),
  scoreWeights: Object.freeze({
    TaintToleration: 3,
    NodeAffinity: 2,
    NodeResourcesFit: 1,
    PodTopologySpread: 2,
    InterPodAffinity: 2,
    NodeResourcesBalancedAllocation: 1,
    ImageLocality: 1,
  }),
});
