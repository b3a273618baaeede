// The cluster-wide node agent configuration, published by the server and read by every agent, as
// kubeadm publishes the KubeletConfiguration in the `kube-system/kubelet-config` ConfigMap (key
// `kubelet`) for nodes that join later. Only the node-failure timing lives here today: the lease
// duration, from which an agent derives its renew interval exactly as kubelet does (a quarter of
// the duration, kubelet's nodeLeaseRenewIntervalFraction 0.25). So `peapod server --profile fast`
// alone makes every agent renew often enough for the server's node-monitor grace period.
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { parse, stringify } from 'yaml';

export const KUBELET_CONFIG_NAMESPACE = 'kube-system';
export const KUBELET_CONFIG_NAME = 'kubelet-config';
const KEY = 'kubelet';

/** kubelet's default nodeLeaseDurationSeconds. */
export const DEFAULT_NODE_LEASE_DURATION_SECONDS = 40;
/** kubelet's nodeLeaseRenewIntervalFraction. */
export const NODE_LEASE_RENEW_INTERVAL_FRACTION = 0.25;

/** The ConfigMap the server keeps; `nodeLeaseDurationSeconds` is the only setting agents read. */
export function kubeletConfigMap(nodeLeaseDurationSeconds: number): ConfigMap {
  const config = { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', nodeLeaseDurationSeconds };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: KUBELET_CONFIG_NAME, namespace: KUBELET_CONFIG_NAMESPACE },
    data: { [KEY]: stringify(config) },
  };
}

/** The lease duration the ConfigMap sets, or undefined when it is absent or unreadable. */
export function nodeLeaseDurationSeconds(cm: ConfigMap | undefined): number | undefined {
  const text = cm?.data?.[KEY];
  if (!text) return undefined;
  try {
    const v = (parse(text) as { nodeLeaseDurationSeconds?: unknown } | null)?.nodeLeaseDurationSeconds;
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

/** How often an agent renews a lease of this duration (kubelet: 25 % of it). */
export function leaseRenewIntervalMs(leaseDurationSeconds: number): number {
  return Math.round(leaseDurationSeconds * 1000 * NODE_LEASE_RENEW_INTERVAL_FRACTION);
}
