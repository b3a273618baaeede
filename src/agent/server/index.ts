// The agent's kubelet-like streaming endpoint: logs, exec, attach and port-forward.
export { startAgentServer, type AgentServer, type AgentServerOptions } from './agent-server.ts';
export type { StreamingBackend, StreamingContainer, StreamIO, TerminalSize } from './types.ts';
export { streamContainerLog, type LogReadOptions } from './log-reader.ts';
