import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Clock, TimerHandle } from '../pods/clock.ts';
import { periodicGrid, systemClock } from '../pods/clock.ts';
import { DEFAULT_NODE_LEASE_DURATION_SECONDS, leaseRenewIntervalMs, microTime } from '../../api/index.ts';

export const LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = DEFAULT_NODE_LEASE_DURATION_SECONDS;
export const RENEW_INTERVAL_MS = leaseRenewIntervalMs(LEASE_DURATION_SECONDS);

/** The node's lease as kubelet writes it; ownerReference to the Node when its uid is known. */
export function nodeLease(nodeName: string, nowMs: number, opts: { nodeUid?: string; previous?: Lease; durationSeconds?: number } = {}): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      ...opts.previous?.metadata,
      name: nodeName,
      namespace: LEASE_NAMESPACE,
      ...(opts.nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: opts.nodeUid }] } : {}),
    },
    spec: {
      holderIdentity: nodeName,
      leaseDurationSeconds: opts.durationSeconds ?? LEASE_DURATION_SECONDS,
      renewTime: microTime(nowMs),
    },
  };
}

export interface LeaseRenewerOptions {
  nodeName: string;
  /**
   * Creates or updates the lease; returns what the server stored (its resourceVersion is used for
   * the next update). Throw on failure: the renewer retries sooner (kubelet: 200 ms doubling to 7 s).
   */
  put: (lease: Lease) => Promise<Lease>;
  nodeUid?: () => string | undefined;
  clock?: Clock;
  /**
   * The lease duration written and the renew interval, asked before every renewal so a changed
   * cluster setting (kube-system/kubelet-config) applies from the next one. Default 40 s / 10 s.
   */
  timing?: () => LeaseTiming;
  onError?: (e: unknown) => void;
  /** Source of the renewal jitter (0 ≤ x < 1); tests fix it. */
  random?: () => number;
}

export interface LeaseTiming {
  durationSeconds: number;
  renewIntervalMs: number;
}

/**
 * Renews the node lease (every 10 s plus up to 4 % jitter by default) until the signal aborts. One
 * timer, no overlap between puts; renewals stay on their own grid (see periodicGrid), so a slow put
 * does not shift the next one.
 */
export function startLeaseRenewer(opts: LeaseRenewerOptions, signal: AbortSignal): void {
  const clock = opts.clock ?? systemClock;
  const grid = periodicGrid(clock, opts.random);
  const timing = opts.timing ?? (() => ({ durationSeconds: LEASE_DURATION_SECONDS, renewIntervalMs: RENEW_INTERVAL_MS }));
  let previous: Lease | undefined;
  let retryMs = 200;
  let timer: TimerHandle | undefined;
  const tick = async (): Promise<void> => {
    if (signal.aborted) return;
    const { durationSeconds, renewIntervalMs } = timing();
    let next: number;
    try {
      previous = await opts.put(nodeLease(opts.nodeName, clock.now(), { nodeUid: opts.nodeUid?.(), previous, durationSeconds }));
      retryMs = 200;
      next = grid.next(renewIntervalMs);
    } catch (e) {
      opts.onError?.(e);
      next = grid.retryIn(retryMs);
      retryMs = Math.min(retryMs * 2, 7_000);
    }
    if (!signal.aborted) timer = clock.setTimeout(() => void tick(), next);
  };
  signal.addEventListener('abort', () => timer?.cancel(), { once: true });
  void tick();
}
