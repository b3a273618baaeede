import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { PodImages } from '../images/index.ts';
import type { ProbeManager } from '../probes/index.ts';
import type { ContainerRuntime, Sandbox } from '../runtime/index.ts';
import type { ObservedContainer, WaitingReason } from '../status/types.ts';
import type { AgentApi } from './agent-api.ts';
import type { Backoff } from './backoff.ts';
import type { Clock } from './clock.ts';
import type { PodStorage } from './pod-storage.ts';
import type { ClusterDnsSettings } from './pod-dns.ts';
import type { StartupTrace } from './startup-trace.ts';

/** Shared by every pod worker of one agent. */
export interface WorkerDeps {
  runtime: ContainerRuntime;
  api: AgentApi;
  storage: PodStorage;
  clock: Clock;
  /** CrashLoopBackOff delays, keyed `<uid>/<container>`. */
  backoff: Backoff;
  /** ErrImagePull → ImagePullBackOff delays, same keys. */
  imageBackoff: Backoff;
  /** The node's images (lookup and pulls); absent = every image exists and nothing is pulled (hollow nodes). */
  images?: PodImages;
  memoryCapacityBytes: number;
  /** Liveness/readiness/startup probers; absent = probes are ignored (containers ready when running). */
  probes?: ProbeManager;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  /** Cluster DNS for pods' resolv.conf (dnsPolicy); absent: the host's resolv.conf. */
  dns?: ClusterDnsSettings;
  /** Log where each new pod's start-up time went (real nodes; hollow nodes would log thousands of lines). */
  traceStartup?: boolean;
}

/** What one pod worker knows about its pod's runtime objects (rebuilt by adoption after restarts). */
export interface PodState {
  uid: string;
  sandbox?: Sandbox;
  volumes?: Map<string, string>;
  /** When projected ServiceAccount tokens must be renewed (80 % of the shortest lifetime). */
  volumesRefreshAt?: number;
  /** Container name → instances, newest first; at most two kept (current and previous). */
  containers: Map<string, ObservedContainer[]>;
  waiting: Map<string, WaitingReason>;
  /** Termination-log host file per container id. */
  logFiles: Map<string, string>;
  /**
   * The last status sent, as canonicalStatus JSON (half the memory of the decoded object, held for
   * every pod on the node; lastSentStatus decodes it).
   */
  sentStatus?: string;
  failure?: { reason: string; message: string };
  /** Earliest time the worker asked to be woken (backoff expiry, deadline...). */
  wakeAt?: number;
  /** Start-up stages of a pod this agent starts (not of an adopted one). */
  trace?: StartupTrace;
}

export function newPodState(uid: string): PodState {
  return { uid, containers: new Map(), waiting: new Map(), logFiles: new Map() };
}

/** The last status this agent sent for the pod, if it sent one. */
export function lastSentStatus(state: PodState): PodStatus | undefined {
  return state.sentStatus === undefined ? undefined : (JSON.parse(state.sentStatus) as PodStatus);
}

export function requestWake(state: PodState, at: number): void {
  if (state.wakeAt === undefined || at < state.wakeAt) state.wakeAt = at;
}

export interface PodCtx {
  pod: Pod;
  state: PodState;
  deps: WorkerDeps;
}
