// The node's resource usage as kubelet reports it: cumulative CPU time and the memory working set
// per node, pod and container. The sources (cgroups, the hollow simulation) produce readings; the
// stats provider turns consecutive readings into rates and serves them as kubelet's Summary API
// (/stats/summary, stats/v1alpha1, CPU and memory only) and /metrics/resource.

/** One cumulative reading of a cgroup (or the node). */
export interface UsageReading {
  /** Cumulative CPU time in nanoseconds since the cgroup (or the machine) started. */
  readonly cpuNs: number;
  /** Memory in use minus inactive file pages: what the OOM killer and eviction look at. */
  readonly workingSetBytes: number;
  /** All memory charged, page cache included. */
  readonly usageBytes: number;
  readonly rssBytes?: number;
  /** Node only: memory the node could still hand out (MemAvailable). */
  readonly availableBytes?: number;
}

export interface ContainerRef {
  readonly id: string;
  readonly podUid: string;
  readonly name: string;
  /** ISO time the container started; its cumulative counters began there. */
  readonly startedAt: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface PodRef {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  /** ISO time the sandbox was made. */
  readonly createdAt: string;
}

/**
 * Where readings come from. Contracts: calls may overlap; `undefined` means the cgroup is gone or
 * unreadable (a container that just exited) and the object is left out of the summary.
 */
export interface UsageSource {
  node(nowMs: number): Promise<UsageReading | undefined>;
  pod(pod: PodRef, containers: readonly ContainerRef[], nowMs: number): Promise<UsageReading | undefined>;
  container(c: ContainerRef, nowMs: number): Promise<UsageReading | undefined>;
}

// stats/v1alpha1 (kubelet's Summary API), the fields metrics-server and `kubectl top` use.
export interface CpuStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes: number;
  workingSetBytes: number;
  rssBytes?: number;
}

export interface ContainerStats {
  name: string;
  startTime: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStats[];
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface Summary {
  node: { nodeName: string; startTime: string; cpu?: CpuStats; memory?: MemoryStats; systemContainers?: ContainerStats[] };
  pods: PodStats[];
}
