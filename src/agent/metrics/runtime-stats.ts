// The stats provider over a ContainerRuntime: pods are its sandboxes, containers its running
// containers; readings come from cgroups (conmon runtime) or the hollow simulation.
import type { ContainerRuntime } from '../runtime/index.ts';
import { cgroupUsageSource } from './cgroup-source.ts';
import { hollowUsageSource } from './hollow-source.ts';
import { createStatsProvider, type StatsProvider } from './stats-provider.ts';
import type { ContainerRef, PodRef } from './types.ts';

export interface RuntimeStatsOptions {
  nodeName: string;
  runtime: ContainerRuntime;
  /** Set for the conmon runtime (real cgroups); absent = hollow simulation. */
  cgroupParent?: string;
}

export function runtimeStatsProvider(opts: RuntimeStatsOptions): StatsProvider {
  const containers = async (): Promise<ContainerRef[]> =>
    (await opts.runtime.listContainers())
      .filter((c) => c.status.state === 'running')
      .map((c) => ({ id: c.id, podUid: c.podUid, name: c.name, startedAt: c.status.startedAt ?? c.status.createdAt, labels: c.labels }));
  const pods = async (): Promise<PodRef[]> =>
    (await opts.runtime.listSandboxes()).map((s) => ({ uid: s.podUid, name: s.podName, namespace: s.namespace, createdAt: s.createdAt }));
  const startMs = Date.now();
  const source = opts.cgroupParent !== undefined ? cgroupUsageSource({ cgroupParent: opts.cgroupParent }) : hollowUsageSource({ containers, startMs });
  return createStatsProvider({ nodeName: opts.nodeName, source, pods, containers, nodeStartMs: opts.cgroupParent !== undefined ? undefined : startMs });
}
