// The agent's entry points for other components (CLI, dev cluster, tests): start one, and remove
// what dead ones left behind.
export { startAgent, type Agent, type AgentOptions } from './agent.ts';
export { CONTROL_PLANE_LABEL, defaultNodeName } from './node-name.ts';
export { removeAgentRuntimeState, removeNodeCgroups, removePodNetworksUnder } from './leftovers.ts';
// kubelet's Summary API shapes (stats/v1alpha1), which the API server's metrics.k8s.io reads.
export type { ContainerStats, CpuStats, MemoryStats, PodStats, Summary } from './metrics/types.ts';
