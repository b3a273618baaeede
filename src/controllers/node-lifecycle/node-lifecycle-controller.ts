// The node lifecycle controller (upstream pkg/controller/nodelifecycle, without zones and rate
// limits): a node whose agent has not renewed its Lease in kube-node-lease (nor posted a new
// heartbeat) for the grace period gets every kubelet condition Unknown; the node's taints follow its
// conditions (unreachable / not-ready NoExecute and NoSchedule, pressure and unschedulable
// NoSchedule), and pods on a node that is not Ready get Ready=False. The NoExecute taints drive
// taint-based eviction (../taint-eviction). When the agent posts Ready=True again the taints go.
//
// "Last heard from" is the controller's own clock at the moment it saw the lease's renewTime (or
// the Ready heartbeat) change, as upstream's probeTimestamp: agent and controller clocks may differ.
// Every node starts with a full grace period when the controller starts. The controller reacts to
// Lease and Node events and otherwise sleeps until a node's grace period would run out (no
// periodic node-monitor tick), so a dead node is marked the moment its grace has passed.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { createWorkQueue, isConflict, isNotFound, resources, runController, type Informer, ignoreNotFound } from '../../client/index.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { conditionOf, readyStatus, reconcileTaints, unknownConditions } from './node-health.ts';
import { rfc3339 } from '../../api/index.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Upstream --node-monitor-grace-period default. */
export const DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS = 40_000;
export const POD_NODE_INDEX = 'spec.nodeName';

export interface NodeLifecycleOptions {
  /** How long a node may go without renewing its lease before it is Unknown (default 40 s). */
  gracePeriodMs?: number;
}

export function createNodeLifecycleController(deps: ControllerDeps, opts: NodeLifecycleOptions = {}): Controller {
  const { client, clock, logger } = deps;
  const grace = opts.gracePeriodMs ?? DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS;
  const queue = createWorkQueue<string>({ name: 'node-lifecycle', clock });
  const nodes: Informer<Node> = deps.informers.informerFor<Node>(resources.nodes);
  const leases: Informer<Lease> = deps.informers.informerFor<Lease>(resources.leases, { namespace: NODE_LEASE_NAMESPACE });
  const pods: Informer<Pod> = deps.informers.informerFor<Pod>(resources.pods, {
    indexers: { [POD_NODE_INDEX]: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) },
  });

  /** Per node: when we last heard from it, and the lease renewTime / heartbeat we heard. */
  const probes = new Map<string, { at: number; renew?: string; heartbeat?: string }>();
  const probe = (name: string): { at: number; renew?: string; heartbeat?: string } => {
    let p = probes.get(name);
    if (!p) probes.set(name, (p = { at: clock.now() }));
    return p;
  };

  const onLease = (l: Lease): void => {
    const name = l.metadata?.name ?? '';
    const p = probe(name);
    const renew = l.spec?.renewTime ?? undefined;
    if (renew !== p.renew) {
      p.renew = renew;
      p.at = clock.now();
    }
    queue.add(name);
  };
  leases.on('add', onLease);
  leases.on('update', (_o, l) => onLease(l));
  const onNode = (n: Node): void => {
    const name = n.metadata?.name ?? '';
    const p = probe(name);
    const hb = conditionOf(n, 'Ready')?.lastHeartbeatTime ?? undefined;
    if (hb !== p.heartbeat) {
      p.heartbeat = hb;
      p.at = clock.now();
    }
    queue.add(name);
  };
  nodes.on('add', onNode);
  nodes.on('update', (_o, n) => onNode(n));
  nodes.on('delete', (n) => probes.delete(n.metadata?.name ?? ''));
  // A pod bound to a node that is not Ready must not stay Ready (upstream processPod).
  const onPod = (p: Pod): void => {
    const node = p.spec?.nodeName ? nodes.store.get(p.spec.nodeName) : undefined;
    if (node && readyStatus(node) !== 'True' && podReady(p)) queue.add(p.spec?.nodeName ?? '');
  };
  pods.on('add', onPod);
  pods.on('update', (_o, p) => onPod(p));

  async function reconcile(name: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    let node = nodes.store.get(name);
    if (!node) return;
    const p = probe(name);
    const now = clock.now();
    const stale = now - p.at >= grace;
    try {
      if (stale) {
        const conditions = unknownConditions(node, rfc3339(now));
        if (conditions && (await renewedUnseen(name, p, signal))) return { requeueAfterMs: grace + 10 };
        if (conditions) {
          logger.info(`node-lifecycle: node ${name} stopped posting status for ${Math.round((now - p.at) / 1000)}s; marking it Unknown`);
          node = await client.update<Node>(resources.nodes, undefined, { ...node, status: { ...node.status, conditions } }, { subresource: 'status', signal });
        }
      }
      const taints = reconcileTaints(node, rfc3339(now));
      if (taints) node = await client.update<Node>(resources.nodes, undefined, { ...node, spec: { ...node.spec, taints } }, { signal });
      if (readyStatus(node) !== 'True') await markPodsNotReady(name, signal);
    } catch (e) {
      if (isNotFound(e)) return;
      if (isConflict(e)) return { requeueAfterMs: 100 };
      throw e;
    }
    // Look again when the grace period would run out (events bring it back sooner).
    return stale ? undefined : { requeueAfterMs: p.at + grace - now + 10 };
  }

  /**
   * Whether the node's lease was renewed after all, though its watch event has not reached us: with
   * a grace of a few seconds (the fast profile), a controller that fell behind on its watch (a
   * stalled event loop, a slow connection) would otherwise take its own lag for the node's
   * silence. A fresh read decides before a node is declared Unknown; it counts as hearing from it.
   */
  async function renewedUnseen(name: string, p: { at: number; renew?: string }, signal: AbortSignal): Promise<boolean> {
    const lease = await client.get<Lease>(resources.leases, NODE_LEASE_NAMESPACE, name, { signal }).catch(ignoreNotFound);
    const renew = lease?.spec?.renewTime ?? undefined;
    if (!lease || renew === p.renew) return false;
    p.renew = renew;
    p.at = clock.now();
    return true;
  }

  async function markPodsNotReady(nodeName: string, signal: AbortSignal): Promise<void> {
    const t = rfc3339(clock.now());
    for (const pod of pods.store.byIndex(POD_NODE_INDEX, nodeName)) {
      if (!podReady(pod)) continue;
      const conditions = (pod.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: t } : c));
      await client
        .update<Pod>(resources.pods, pod.metadata?.namespace, { ...pod, status: { ...pod.status, conditions } }, { subresource: 'status', signal })
        .catch(ignoreNotFound);
    }
  }

  return {
    name: 'node-lifecycle',
    run: (signal) => runController({ name: 'node-lifecycle', reconciler: { reconcile }, queue, workers: deps.workers ?? 1, signal, logger }),
  };
}

function podReady(p: Pod): boolean {
  const phase = p.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
