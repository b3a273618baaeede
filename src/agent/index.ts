// The agent's entry points for other components (CLI, dev cluster, tests): start one, and remove
// what dead ones left behind.
export { startAgent, defaultNodeName, type Agent, type AgentOptions } from './agent.ts';
export { removeAgentRuntimeState, removeNodeCgroups, removePodNetworksUnder } from './leftovers.ts';
