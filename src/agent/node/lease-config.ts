// Where an agent's lease timing comes from: the cluster's `kube-system/kubelet-config` (published
// by the server from its --profile; src/api/kubelet-config.ts), read at start and then followed
// with a watch, so an agent started before the server changed profile follows at its next renewal.
// An explicit duration (a flag) wins and is not followed. Without the ConfigMap (an older server,
// or no read access) the agent keeps kubelet's defaults: 40 s leases renewed every 10 s.
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import {
  DEFAULT_NODE_LEASE_DURATION_SECONDS,
  KUBELET_CONFIG_NAME,
  KUBELET_CONFIG_NAMESPACE,
  leaseRenewIntervalMs,
  nodeLeaseDurationSeconds,
} from '../../api/index.ts';
import { createInformer, isNotFound, resources, type Client, type Logger } from '../../client/index.ts';
import type { LeaseTiming } from './lease.ts';

export interface LeaseConfigOptions {
  client: Client;
  /** Set by a flag: used as is, the cluster setting is not read. */
  durationSeconds?: number;
  /** Set by a flag: overrides the quarter of the duration. */
  renewIntervalMs?: number;
  logger: Logger;
  /** Told when the cluster setting changes (not at start). */
  onChange?: (timing: LeaseTiming) => void;
}

/** Resolves to the current timing; the returned function stays current until `signal` aborts. */
export async function followLeaseConfig(opts: LeaseConfigOptions, signal: AbortSignal): Promise<() => LeaseTiming> {
  const timingOf = (durationSeconds: number): LeaseTiming => ({
    durationSeconds,
    renewIntervalMs: opts.renewIntervalMs ?? leaseRenewIntervalMs(durationSeconds),
  });
  if (opts.durationSeconds !== undefined) {
    const fixed = timingOf(opts.durationSeconds);
    return () => fixed;
  }
  const initial = await opts.client.get<ConfigMap>(resources.configmaps, KUBELET_CONFIG_NAMESPACE, KUBELET_CONFIG_NAME).catch((e: unknown) => {
    if (!isNotFound(e))
      opts.logger.warn(
        `agent: cannot read ${KUBELET_CONFIG_NAMESPACE}/${KUBELET_CONFIG_NAME} (${e instanceof Error ? e.message : String(e)}); using ${DEFAULT_NODE_LEASE_DURATION_SECONDS} s node leases`,
      );
    return undefined;
  });
  let current = timingOf(nodeLeaseDurationSeconds(initial) ?? DEFAULT_NODE_LEASE_DURATION_SECONDS);
  const informer = createInformer<ConfigMap>(opts.client, resources.configmaps, {
    namespace: KUBELET_CONFIG_NAMESPACE,
    fieldSelector: `metadata.name=${KUBELET_CONFIG_NAME}`,
    logger: opts.logger,
  });
  const set = (cm: ConfigMap | undefined): void => {
    const next = timingOf(nodeLeaseDurationSeconds(cm) ?? DEFAULT_NODE_LEASE_DURATION_SECONDS);
    if (next.durationSeconds === current.durationSeconds && next.renewIntervalMs === current.renewIntervalMs) return;
    current = next;
    opts.onChange?.(next);
  };
  informer.on('add', set);
  informer.on('update', (_old, cm) => set(cm));
  informer.on('delete', () => set(undefined));
  void informer.start(signal);
  return () => current;
}
