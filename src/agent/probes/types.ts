import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime } from '../runtime/index.ts';

/** The three probe kinds, spelled as kubelet prints them in events (`Liveness probe failed: ...`). */
export type ProbeKind = 'Liveness' | 'Readiness' | 'Startup';

/**
 * A handler's verdict (pkg/probe Result). `warning` counts as success but is reported with a
 * ProbeWarning event (an httpGet redirect to another host).
 */
export type HandlerResult = 'success' | 'failure' | 'warning';

export interface HandlerOutcome {
  result: HandlerResult;
  /** What the event shows after `... probe failed: ` (command output, `HTTP probe failed with statuscode: 500`). */
  output: string;
}

/** Where and in what a handler runs. */
export interface ProbeTarget {
  pod: Pod;
  container: Container;
  /** Runtime id of the container instance being probed (exec handlers). */
  containerId: string;
  /** The pod IP; the default host of httpGet/tcpSocket/grpc. Undefined before the sandbox exists. */
  podIp: string | undefined;
  runtime: ContainerRuntime;
  /** Aborts when timeoutSeconds passed. */
  signal: AbortSignal;
  timeoutSeconds: number;
}

/**
 * One handler kind (exec, httpGet, tcpSocket, grpc). Resolves with an outcome for every answer
 * the container gave (including "no answer in time"); throws ProbeError when the probe could not
 * be run at all (bad port name, no pod IP), which kubelet reports as `... probe errored: ...` and
 * throws away.
 */
export type ProbeHandler = (probe: Probe, target: ProbeTarget) => Promise<HandlerOutcome>;

export interface ProbeHandlers {
  exec: ProbeHandler;
  httpGet: ProbeHandler;
  tcpSocket: ProbeHandler;
  grpc: ProbeHandler;
}

/** The probe could not be run (kubelet: prober error, result thrown away). */
export class ProbeError extends Error {
  override name = 'ProbeError';
}

/** Upstream defaults (API defaulting fills them; repeated here for pods that skipped it). */
export const PROBE_DEFAULTS = { periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3, initialDelaySeconds: 0 } as const;
