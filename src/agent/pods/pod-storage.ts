import type { Pod } from 'kubernetes-types/core/v1.js';
import type { AgentApi, NodeInfo } from './agent-api.ts';

/**
 * Where a pod's files live on the node: its volumes and the termination-message files. The disk
 * implementation (disk-storage.ts) uses the volume helpers; hollow nodes plug in one that touches
 * nothing. Called only from the pod's own worker, so never concurrently for one pod.
 */
export interface PodStorage {
  /**
   * Sets up (idempotently) every volume of the pod; returns volume name → host path. Throws
   * VolumeError (FailedMount) when a volume cannot be set up; the worker retries later.
   */
  setUpVolumes(pod: Pod, ctx: VolumeContext): Promise<Map<string, string>>;
  /** A host path for `<volume>/<subPath>` (created when missing); throws on escapes. */
  subPath(volumeDir: string, subPath: string): Promise<string>;
  /** An empty host file bind-mounted at the container's terminationMessagePath. */
  terminationLogPath(podUid: string, container: string, attempt: number): Promise<string>;
  /** The termination message written by that container, at most 4096 bytes ('' when none). */
  readTerminationMessage(path: string): Promise<string>;
  /** The last lines of a CRI log file, for FallbackToLogsOnError (at most 80 lines / 2048 bytes). */
  readLogTail(logPath: string): Promise<string>;
  /** Removes every volume and file of the pod. Idempotent. */
  tearDown(podUid: string): Promise<void>;
  /** UIDs of pods that still have files here (orphan cleanup after a restart). */
  listPods(): Promise<string[]>;
}

export interface VolumeContext {
  api: Pick<AgentApi, 'getConfigMap' | 'getSecret' | 'serviceAccountToken' | 'getPersistentVolumeClaim' | 'getPersistentVolume'>;
  node: NodeInfo;
  podIp?: string;
  /** How long a pod waits for its claims to be bound before FailedMount (default 3 s). */
  claimWaitMs?: number;
}

export class VolumeError extends Error {
  override name = 'VolumeError';
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${message}`);
  }
}
