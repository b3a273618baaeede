import type { ContainerStatus as RuntimeStatus } from '../runtime/index.ts';

/** One runtime container of a pod, as the pod worker observed it. */
export interface ObservedContainer {
  id: string;
  name: string;
  /** restartCount of this instance (ContainerSpec.attempt). */
  attempt: number;
  image: string;
  imageId: string;
  status: RuntimeStatus;
  /** Termination message (file, or log tail with FallbackToLogsOnError); read once it exited. */
  message?: string;
}

/** Why a container is waiting instead of running (kubelet's reasonCache). */
export interface WaitingReason {
  reason: string;
  message: string;
}

/** Everything the status is computed from; no I/O happens in src/agent/status. */
export interface PodObservation {
  /** Undefined until the sandbox exists. */
  sandboxIp?: string;
  /** Container name → its instances, newest first. */
  containers: ReadonlyMap<string, readonly ObservedContainer[]>;
  waiting: ReadonlyMap<string, WaitingReason>;
  /** `runc`, `crun`, `hollow`: the containerID scheme. */
  runtimeName: string;
  hostIp: string;
  now: number;
  /** The pod is terminal: its containers will not run again (deleted, deadline, all done). */
  podIsTerminal: boolean;
  /** Set when the pod was failed on purpose, e.g. DeadlineExceeded. */
  failure?: { reason: string; message: string };
  /** Readiness/startup probe results by container name (probes come later; absent = no probe). */
  probes?: ReadonlyMap<string, { ready?: boolean; started?: boolean }>;
}
