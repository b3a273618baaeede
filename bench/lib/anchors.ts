// Anchors shared by the benchmarks, with their sources. bench/README.md lists them all; keep the
// two in step. Values are in the unit of the figures that use them (ms, events/s, MB).
import type { Anchor } from './figures.ts';

const SLO_DOC = 'https://github.com/kubernetes/community/blob/master/sig-scalability/slos/api_call_latency.md';
const ISSUE_8 = 'Peapod goal, issue #8 (hollow nodes and the scale benchmark suite)';

/** Kubernetes SLO: mutating API calls (POST, PUT, PATCH, DELETE) for single objects, p99 ≤ 1 s. */
export const SLO_MUTATING_P99: Anchor = { bound: 'max', value: 1000, label: 'K8s SLO: mutating call p99', source: SLO_DOC };
/** Kubernetes SLO: non-streaming reads (GET, LIST) with scope=resource, p99 ≤ 1 s. */
export const SLO_READ_RESOURCE_P99: Anchor = { bound: 'max', value: 1000, label: 'K8s SLO: single-object read p99', source: SLO_DOC };
/** Kubernetes SLO: non-streaming reads with scope=namespace, p99 ≤ 5 s. */
export const SLO_READ_NAMESPACE_P99: Anchor = { bound: 'max', value: 5000, label: 'K8s SLO: namespace LIST p99', source: SLO_DOC };
/** Kubernetes SLO: non-streaming reads with scope=cluster, p99 ≤ 30 s. */
export const SLO_READ_CLUSTER_P99: Anchor = { bound: 'max', value: 30_000, label: 'K8s SLO: cluster LIST p99', source: SLO_DOC };

/** Peapod goal: ≥ 10,000 watch events/s. */
export const GOAL_WATCH_EVENTS: Anchor = { bound: 'min', value: 10_000, label: 'Peapod goal: watch events/s', source: ISSUE_8 };
/** Peapod goal: `peapod server` idle RSS ≤ 100 MB. */
export const GOAL_IDLE_RSS_MB: Anchor = { bound: 'max', value: 100, label: 'Peapod goal: idle server RSS', source: ISSUE_8 };
/** Peapod goal: mutating p99 ≤ 20 ms under 100 writes/s. */
export const GOAL_MUTATING_P99_MS: Anchor = { bound: 'max', value: 20, label: 'Peapod goal: mutating p99', source: ISSUE_8 };
/** Issue #4 target: ≥ 1,000 pods/s (kube-scheduler CI floor 680 pods/s at 5,000 nodes; GKE 130k nodes 1,000 pods/s). */
export const SCHEDULER_PODS_PER_SECOND: Anchor = {
  bound: 'min',
  value: 1000,
  label: 'Peapod goal (GKE 130k nodes): pods/s',
  source: 'Peapod issue #4; https://cloud.google.com/blog/products/containers-kubernetes/how-we-built-a-130000-node-gke-cluster',
};

/** Kubernetes SLO: pod startup latency (create → Running, image pulled) p99 ≤ 5 s. */
export const SLO_POD_STARTUP_P99: Anchor = {
  bound: 'max',
  value: 5000,
  label: 'K8s SLO: pod startup p99',
  source: 'https://github.com/kubernetes/community/blob/master/sig-scalability/slos/pod_startup_latency.md',
};
/** Peapod goal: 1,000 hollow nodes join and are Ready in ≤ 60 s (kubemark-style start-up). */
export const GOAL_HOLLOW_JOIN_S: Anchor = { bound: 'max', value: 60, label: 'Peapod goal: 1,000 nodes Ready', source: ISSUE_8 };
/** Kubernetes scalability limit: 5,000 nodes per cluster. */
export const K8S_MAX_NODES: Anchor = {
  bound: 'min',
  value: 5000,
  label: 'K8s limit: nodes',
  source: 'https://kubernetes.io/docs/setup/best-practices/cluster-large/',
};
/** Peapod goal (issue #18): with `--profile fast`, node death → replacements Running ≤ 5 s. */
export const GOAL_NODE_FAILOVER_FAST_S: Anchor = {
  bound: 'max',
  value: 5,
  label: 'Peapod goal: fast profile ≤ 5 s',
  source: 'Peapod issue #18: fast profile, node death → replacements Running ≤ 5 s',
};
