import type { ContainerImage, Node, NodeStatus } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { isAlreadyExists, isConflict, isNotFound, resources, type Client } from '../../client/index.ts';
import type { Clock, TimerHandle } from '../pods/clock.ts';
import { periodicGrid, systemClock } from '../pods/clock.ts';
import { LEASE_NAMESPACE } from './lease.ts';
import { conditionsChanged, nodeConditions, type Pressure } from './node-status.ts';
import { rfc3339 } from '../../api/index.ts';

/**
 * Registers the node as kubelet does: create it with its status; if it already exists (agent
 * restart, or a node object made by an admin) keep it, add our labels, set podCIDR only when it is
 * empty (the API refuses to change it), and post our status through nodes/status. Taints are only
 * set at creation: an admin's later `kubectl taint` survives restarts. Returns the stored node.
 */
export async function registerNode(client: Client, desired: Node): Promise<Node> {
  const name = desired.metadata?.name ?? '';
  try {
    return await client.create<Node>(resources.nodes, undefined, desired);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  const existing = await client.get<Node>(resources.nodes, undefined, name);
  const patch: { metadata: { labels: Record<string, string> }; spec?: Node['spec'] } = { metadata: { labels: desired.metadata?.labels ?? {} } };
  if (!existing.spec?.podCIDR && desired.spec?.podCIDR) patch.spec = { podCIDR: desired.spec.podCIDR, podCIDRs: desired.spec.podCIDRs };
  const patched = await client.patch<Node>(resources.nodes, undefined, name, patch, { type: 'strategic' });
  // Unchanged conditions keep their transition time across an agent restart.
  const old = existing.status?.conditions ?? [];
  const conditions = (desired.status?.conditions ?? []).map((c) => {
    const prev = old.find((o) => o.type === c.type && o.status === c.status);
    return prev?.lastTransitionTime ? { ...c, lastTransitionTime: prev.lastTransitionTime } : c;
  });
  return putNodeStatus(client, patched, { ...desired.status, conditions });
}

/** PUT nodes/<name>/status, retrying a lost resourceVersion race with a fresh read. */
export async function putNodeStatus(client: Client, node: Node, status: NodeStatus): Promise<Node> {
  let current = node;
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.update<Node>(resources.nodes, undefined, { ...current, status }, { subresource: 'status' });
    } catch (e) {
      if (!isConflict(e) || attempt >= 4) throw e;
      current = await client.get<Node>(resources.nodes, undefined, current.metadata?.name ?? '');
    }
  }
}

/** The lease writer startLeaseRenewer needs: update with the stored resourceVersion, else create. */
export function leaseWriter(client: Client): (lease: Lease) => Promise<Lease> {
  return async (lease) => {
    const name = lease.metadata?.name ?? '';
    if (lease.metadata?.resourceVersion) {
      try {
        return await client.update<Lease>(resources.leases, LEASE_NAMESPACE, lease);
      } catch (e) {
        if (!isConflict(e) && !isNotFound(e)) throw e;
      }
    }
    try {
      return await client.create<Lease>(resources.leases, LEASE_NAMESPACE, { ...lease, metadata: { ...lease.metadata, resourceVersion: undefined } });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const stored = await client.get<Lease>(resources.leases, LEASE_NAMESPACE, name);
      return client.update<Lease>(resources.leases, LEASE_NAMESPACE, {
        ...lease,
        metadata: { ...lease.metadata, resourceVersion: stored.metadata?.resourceVersion },
      });
    }
  };
}

export interface NodeStatusReporterOptions {
  client: Client;
  /** The registered node (its status is the starting point). */
  node: Node;
  readPressure: () => Promise<Pressure>;
  /** The node's images for status.images (kubelet lists the 50 largest); absent = none reported. */
  readImages?: () => Promise<ContainerImage[]>;
  /** Why the node is not ready, re-read every check; undefined = ready. */
  notReady?: () => string | undefined;
  clock?: Clock;
  /** How often conditions are re-evaluated (kubelet's nodeStatusUpdateFrequency: 10 s). */
  checkIntervalMs?: number;
  /** Post even without a change this often (kubelet's nodeStatusReportFrequency: 1 min). */
  reportIntervalMs?: number;
  /** Called with the stored node after each post. */
  onPosted?: (node: Node) => void;
  onError?: (e: unknown) => void;
  /** Source of the check jitter (0 ≤ x < 1); tests fix it. */
  random?: () => number;
}

/**
 * Re-evaluates the node conditions every 10 s (plus up to 4 % jitter, on a grid of its own: see
 * periodicGrid) and posts nodes/status when they changed or a minute passed since the last post, as
 * kubelet does with its lease-based heartbeat. One timer; posts never overlap. Stops when the
 * signal aborts.
 */
export function startNodeStatusReporter(opts: NodeStatusReporterOptions, signal: AbortSignal): void {
  const clock = opts.clock ?? systemClock;
  const check = opts.checkIntervalMs ?? 10_000;
  const report = opts.reportIntervalMs ?? 60_000;
  let node = opts.node;
  let lastPost = clock.now();
  let timer: TimerHandle | undefined;
  const grid = periodicGrid(clock, opts.random);
  const tick = async (): Promise<void> => {
    if (signal.aborted) return;
    try {
      const p = { ...(await opts.readPressure()), notReady: opts.notReady?.() };
      // Compare with the server's copy, as kubelet does: if the node lifecycle controller marked
      // this node Unknown while it was unreachable, Ready is posted again at the next check.
      node = await opts.client.get<Node>(resources.nodes, undefined, node.metadata?.name ?? '').catch(() => node);
      const previous = node.status?.conditions ?? [];
      const now = rfc3339(clock.now());
      const conditions = nodeConditions(p, now, previous);
      const images = opts.readImages ? await opts.readImages().catch(() => node.status?.images) : node.status?.images;
      const imagesChanged = JSON.stringify(images ?? []) !== JSON.stringify(node.status?.images ?? []);
      if (conditionsChanged(previous, conditions) || imagesChanged || clock.now() - lastPost >= report) {
        node = await putNodeStatus(opts.client, node, { ...node.status, conditions, ...(images ? { images } : {}) });
        lastPost = clock.now();
        opts.onPosted?.(node);
      }
    } catch (e) {
      opts.onError?.(e);
    }
    if (!signal.aborted) timer = clock.setTimeout(() => void tick(), grid.next(check));
  };
  signal.addEventListener('abort', () => timer?.cancel(), { once: true });
  timer = clock.setTimeout(() => void tick(), grid.next(check));
}
