import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, PodStatus, Secret } from 'kubernetes-types/core/v1.js';

/**
 * Everything the pod workers need from the API server, injected so the pod logic runs against a
 * fake in tests; the agent wires it to the REST client (ClientAgentApi, src/agent/agent-api-client.ts).
 *
 * Contracts: calls may come from many pod workers at once (never two for one pod UID at once).
 * A throw means the write did not happen; the worker retries on its next sync.
 */
export interface AgentApi {
  /** PUT pods/<name>/status (or a patch); called only when the computed status changed. */
  updatePodStatus(pod: Pod, status: PodStatus): Promise<void>;
  /** DELETE the pod with gracePeriodSeconds 0 and a UID precondition; a 404 counts as success. */
  finishDeletion(pod: Pod): Promise<void>;
  /** Records a core/v1 Event about the pod (fire and forget). */
  recordEvent(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
  /**
   * A token for the pod's ServiceAccount bound to the pod (TokenRequest), for projected
   * serviceAccountToken sources. Absent on APIs that cannot issue tokens (those sources stay empty).
   */
  serviceAccountToken?(pod: Pod, request: { audience?: string; expirationSeconds: number }): Promise<string>;
  /** Claims and volumes a pod mounts (optional: runtimes that touch no disk need none). */
  getPersistentVolumeClaim?(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  getPersistentVolume?(name: string): Promise<PersistentVolume | undefined>;
  nodeInfo(): NodeInfo;
}

export interface NodeInfo {
  name: string;
  /** The node's InternalIP, reported as status.hostIP. */
  ip: string;
  /** Node allocatable (`cpu`, `memory`, `ephemeral-storage`, ...) as quantities. */
  allocatable: Record<string, string>;
  /** URL of the API server the agent talks to (KUBERNETES_SERVICE_HOST/PORT fallback for pods). */
  apiServer?: string;
  /**
   * The `default/kubernetes` Service's ClusterIP and https port, once this node's proxy programs
   * Services: pods then reach the API through it, as kubelet's master-service env does.
   */
  apiService?: { host: string; port: number };
}
