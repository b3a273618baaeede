// Taint-based eviction (upstream NoExecuteTaintManager): a pod bound to a node with a NoExecute
// taint it does not tolerate is deleted at once; one it tolerates for tolerationSeconds is deleted
// when that runs out (the defaulted not-ready/unreachable tolerations give 300 s). The pod is
// deleted gracefully, as upstream; its owner's controller creates a replacement, which the
// scheduler keeps off the node through the matching NoSchedule taint.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { createWorkQueue, isConflict, isNotFound, keyOf, resources, runController, type Informer } from '../../client/index.ts';
import { POD_NODE_INDEX } from '../node-lifecycle/node-lifecycle-controller.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { evictionDecision } from './tolerations.ts';

export function createTaintEvictionController(deps: ControllerDeps): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'taint-eviction', clock });
  const nodes: Informer<Node> = deps.informers.informerFor<Node>(resources.nodes);
  const pods: Informer<Pod> = deps.informers.informerFor<Pod>(resources.pods, {
    indexers: { [POD_NODE_INDEX]: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) },
  });
  /** Pod UID → when this controller first saw it under a NoExecute taint without timeAdded. */
  const firstSeen = new Map<string, number>();

  const hasNoExecute = (n: Node | undefined): boolean => (n?.spec?.taints ?? []).some((t) => t.effect === 'NoExecute');
  const onPod = (p: Pod): void => {
    const node = p.spec?.nodeName ? nodes.store.get(p.spec.nodeName) : undefined;
    if (hasNoExecute(node)) queue.add(keyOf(p));
  };
  pods.on('add', onPod);
  pods.on('update', (_o, p) => onPod(p));
  pods.on('delete', (p) => firstSeen.delete(p.metadata?.uid ?? ''));
  const onNode = (n: Node): void => {
    if (!hasNoExecute(n)) return;
    for (const p of pods.store.byIndex(POD_NODE_INDEX, n.metadata?.name ?? '')) queue.add(keyOf(p));
  };
  nodes.on('add', onNode);
  nodes.on('update', (_o, n) => onNode(n));

  async function reconcile(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const pod = pods.store.get(key);
    if (!pod || pod.metadata?.deletionTimestamp || !pod.spec?.nodeName) return;
    const uid = pod.metadata?.uid ?? '';
    const node = nodes.store.get(pod.spec.nodeName);
    const now = clock.now();
    if (!firstSeen.has(uid)) firstSeen.set(uid, now);
    const decision = evictionDecision(pod.spec.tolerations ?? [], node?.spec?.taints ?? [], { nowMs: now, firstSeenMs: firstSeen.get(uid) ?? now });
    if (decision.action === 'none') {
      firstSeen.delete(uid);
      return;
    }
    if (decision.action === 'wait') return { requeueAfterMs: decision.ms };
    logger.info(`taint-eviction: deleting pod ${key} on node ${pod.spec.nodeName}: ${decision.reason}`);
    try {
      await client.delete(resources.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', { preconditions: { uid } }, { signal });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
    firstSeen.delete(uid);
  }

  return {
    name: 'taint-eviction',
    run: (signal) => runController({ name: 'taint-eviction', reconciler: { reconcile }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}
