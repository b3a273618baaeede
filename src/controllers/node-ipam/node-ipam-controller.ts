// Node IPAM (upstream pkg/controller/nodeipam, the "range allocator", IPv4 only): a Node without
// spec.podCIDR gets the first /24 of the cluster CIDR no other Node holds. An agent that names its
// own subnet (`peapod agent --pod-cidr`) registers the Node with it and this controller only
// counts it as taken; an agent started without one on a Node that already exists uses the
// allocated one (agent.ts prefers Node.spec.podCIDR). Pod CIDRs are never changed once set (the API
// refuses), so allocation is first-come; a released /24 (node deleted) is reused.
import type { Node } from 'kubernetes-types/core/v1.js';
import { createWorkQueue, isConflict, isInvalid, isNotFound, resources, runController, type Informer } from '../../client/index.ts';
import type { Controller, ControllerDeps } from '../types.ts';

/** DESIGN.md: pods get addresses from 10.42.0.0/16, one /24 per node. */
export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';

export interface NodeIpamOptions {
  /** An IPv4 CIDR with a prefix of /8 to /24; nodes get /24s of it. */
  clusterCidr?: string;
}

/** The /24s of `cidr` in address order: 10.42.0.0/16 → 10.42.0.0/24 … 10.42.255.0/24. */
export function nodeSubnets(cidr: string): string[] {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  const octets = m ? [m[1], m[2], m[3], m[4]].map(Number) : [];
  const prefix = m ? Number(m[5]) : NaN;
  if (!m || octets.some((o) => o > 255) || !(prefix >= 8 && prefix <= 24)) throw new Error(`cluster CIDR must be an IPv4 CIDR from /8 to /24, got ${cidr}`);
  const base = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8)) >>> 0;
  const mask = (~0 << (32 - prefix)) >>> 0;
  const start = (base & mask) >>> 0;
  const count = 2 ** (24 - prefix);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const a = start + i * 256;
    out.push(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.0/24`);
  }
  return out;
}

export function createNodeIpamController(deps: ControllerDeps, opts: NodeIpamOptions = {}): Controller {
  const { client, clock, logger } = deps;
  const subnets = nodeSubnets(opts.clusterCidr ?? DEFAULT_CLUSTER_CIDR);
  const queue = createWorkQueue<string>({ name: 'node-ipam', clock });
  const nodes: Informer<Node> = deps.informers.informerFor<Node>(resources.nodes);
  /**
   * Allocated by this controller but maybe not yet seen by the informer; cleared once the node is
   * seen with it, so one worker never hands out a subnet twice.
   */
  const pending = new Map<string, string>();

  const onNode = (n: Node): void => {
    const name = n.metadata?.name ?? '';
    if (n.spec?.podCIDR) pending.delete(name);
    else queue.add(name);
  };
  nodes.on('add', onNode);
  nodes.on('update', (_o, n) => onNode(n));
  nodes.on('delete', (n) => pending.delete(n.metadata?.name ?? ''));

  async function reconcile(name: string): Promise<void> {
    const node = nodes.store.get(name);
    if (!node || node.spec?.podCIDR || node.metadata?.deletionTimestamp) return;
    const taken = new Set<string>(pending.values());
    for (const n of nodes.store.list()) for (const c of [n.spec?.podCIDR, ...(n.spec?.podCIDRs ?? [])]) if (c) taken.add(c);
    const free = pending.get(name) ?? subnets.find((s) => !taken.has(s));
    if (!free) {
      logger.warn(`node-ipam: no free /24 left in the cluster CIDR for node ${name}`);
      return;
    }
    pending.set(name, free);
    try {
      await client.patch<Node>(resources.nodes, undefined, name, { spec: { podCIDR: free, podCIDRs: [free] } }, { type: 'merge' });
      logger.info(`node-ipam: node ${name} gets pod CIDR ${free}`);
    } catch (e) {
      pending.delete(name);
      if (isNotFound(e)) return;
      // The API refuses to change a set podCIDR: when someone (the agent) set one first, done.
      if (isInvalid(e) || isConflict(e)) {
        const fresh = await client.get<Node>(resources.nodes, undefined, name).catch(() => undefined);
        if (fresh?.spec?.podCIDR) return;
      }
      throw e;
    }
  }

  return {
    name: 'node-ipam',
    run: (signal) => runController({ name: 'node-ipam', reconciler: { reconcile }, queue, workers: 1, signal, logger }),
  };
}
