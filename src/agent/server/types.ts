import type { ExecIO } from '../runtime/types.ts';

/** A terminal size as kubectl sends it on the resize channel. */
export interface TerminalSize {
  readonly width: number;
  readonly height: number;
}

/** Streams for one exec/attach session; resizes arrive only when `tty` is set. */
export interface StreamIO extends ExecIO {
  /** Registers a listener for terminal size changes (the first one is sent right after connect). */
  onResize?(listener: (size: TerminalSize) => void): void;
}

export interface StreamingContainer {
  /** Runtime container id, passed back to exec/attach. */
  readonly id: string;
  /** CRI k8s-file log of the current instance. */
  readonly logPath: string;
  /** Log of the previous (terminated) instance, for `kubectl logs --previous`. */
  readonly previousLogPath?: string;
  /** Whether the current instance still runs; `logs -f` ends once this turns false. */
  readonly running: boolean;
}

/**
 * What the agent's kubelet-like streaming endpoint needs from the node: implemented by the agent
 * from its PodManager + ContainerRuntime, and by a fake in tests. Small on purpose.
 *
 * Contracts: calls may overlap freely (one per client request). A throw is reported to the client
 * as an error; expected outcomes (no such container) are `undefined`.
 */
export interface StreamingBackend {
  /**
   * The container `container` of pod `namespace/pod` (its only container when omitted), or
   * undefined when the pod or container is unknown on this node. Called again while following logs
   * to learn whether the container still runs.
   */
  findContainer(namespace: string, pod: string, container?: string): Promise<StreamingContainer | undefined>;
  /** Runs `cmd` in the running container; resolves with its exit code (as ContainerRuntime.exec). */
  exec(id: string, cmd: readonly string[], io: StreamIO): Promise<number>;
  /** Attaches to the container's main process until it exits or `io.signal` aborts. Optional. */
  attach?(id: string, io: StreamIO): Promise<void>;
  /** The pod's IP and UID (port-forward dials ip:port), or undefined when the pod has no sandbox here. */
  podNetwork(namespace: string, pod: string): { ip: string; uid: string } | undefined;
}

export type AgentLog = (msg: string, fields?: Record<string, unknown>) => void;
