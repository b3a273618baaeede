// Pod garbage collection (upstream PodGC), the two cases that free a lost pod's name:
// - a pod bound to a node that no longer exists is force-deleted once the node has been gone for
//   a quarantine period (so a node being re-registered is not raced);
// - a terminating pod on a node that is not Ready and carries the `node.kubernetes.io/out-of-service`
//   taint is force-deleted (non-graceful node shutdown: the admin asserts the node is down, so no
//   agent will ever finish the graceful deletion). This is how a StatefulSet pod lost with its node
//   comes back with the same name elsewhere.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { createWorkQueue, isConflict, isNotFound, keyOf, resources, runController } from '../../client/index.ts';
import { POD_NODE_INDEX } from '../node-lifecycle/node-lifecycle-controller.ts';
import type { Controller, ControllerDeps } from '../types.ts';

export const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';
/** How long a node must be missing before its pods are collected (upstream: 40 s). */
export const ORPHAN_QUARANTINE_MS = 40_000;

const ready = (n: Node): boolean => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const outOfService = (n: Node): boolean => (n.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT && t.effect === 'NoExecute');

export function createPodGcController(deps: ControllerDeps, opts: { quarantineMs?: number } = {}): Controller {
  const { client, clock, logger } = deps;
  const quarantine = opts.quarantineMs ?? ORPHAN_QUARANTINE_MS;
  const queue = createWorkQueue<string>({ name: 'pod-gc', clock });
  const nodes = deps.informers.informerFor<Node>(resources.nodes);
  const pods = deps.informers.informerFor<Pod>(resources.pods, { indexers: { [POD_NODE_INDEX]: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) } });
  /** Node name → when this controller first saw pods bound to it while it did not exist. */
  const missingSince = new Map<string, number>();

  const onPod = (p: Pod): void => {
    if (p.spec?.nodeName) queue.add(keyOf(p));
  };
  pods.on('add', onPod);
  pods.on('update', (_o, p) => onPod(p));
  const onNode = (n: Node): void => {
    for (const p of pods.store.byIndex(POD_NODE_INDEX, n.metadata?.name ?? '')) queue.add(keyOf(p));
  };
  nodes.on('add', (n) => {
    missingSince.delete(n.metadata?.name ?? '');
    onNode(n);
  });
  nodes.on('update', (_o, n) => onNode(n));
  nodes.on('delete', onNode);

  async function reconcile(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const pod = pods.store.get(key);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName) return;
    const node = nodes.store.get(nodeName);
    let why: string | undefined;
    if (!node) {
      const since = missingSince.get(nodeName) ?? clock.now();
      missingSince.set(nodeName, since);
      const left = since + quarantine - clock.now();
      if (left > 0) return { requeueAfterMs: left };
      why = `node ${nodeName} no longer exists`;
    } else if (pod.metadata?.deletionTimestamp && !ready(node) && outOfService(node)) {
      why = `node ${nodeName} is out of service`;
    }
    if (!why) return;
    logger.info(`pod-gc: force-deleting pod ${key}: ${why}`);
    try {
      await client.delete(
        resources.pods,
        pod.metadata?.namespace,
        pod.metadata?.name ?? '',
        { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } },
        { signal },
      );
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  return {
    name: 'pod-gc',
    run: (signal) => runController({ name: 'pod-gc-controller', reconciler: { reconcile }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}
