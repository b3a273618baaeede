// The scheduler as a `peapod server` component: informers on nodes, pods (all of them — the cache
// needs the bound ones too) and namespaces feed the pure scheduler; the API host does its writes.
// `startSchedulerService` is the same thing for any process that has a client (the benchmark runs
// it in its own process to read cycle timings directly).
import type { Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { isDeepStrictEqual } from 'node:util';
import { createEventRecorder, createInformerFactory, resources, type Client, type InformerFactory, type Logger } from '../client/index.ts';
import type { Component } from '../server/component.ts';
import { createApiHost } from './api-host.ts';
import { DEFAULT_SCHEDULER_NAME } from './framework/profile.ts';
import { createScheduler, type CycleResult, type Scheduler } from './scheduler.ts';

export interface SchedulerServiceOptions {
  readonly signal: AbortSignal;
  readonly logger?: Logger;
  /** See SchedulerOptions.observeCycle. */
  readonly observeCycle?: (durationMs: number, result: CycleResult) => void;
  /**
   * The client that writes the FailedScheduling/Scheduled Events (default: the scheduler's own).
   * Give it a client of its own so that, in a burst, bindings never wait behind Event writes for
   * a socket of the same connection pool. The caller owns it (closes it after `done`).
   */
  readonly eventClient?: Client;
  /** Where the informers come from (default: a factory of the scheduler's own on `client`). */
  readonly informers?: InformerFactory;
}

export interface SchedulerService {
  readonly scheduler: Scheduler;
  /** Resolves when the scheduling loop has ended (after `signal` aborted). */
  readonly done: Promise<void>;
}

/**
 * An update of an unbound pod that changed only status or bookkeeping (e.g. our own PodScheduled
 * condition) is not a reason to retry it (upstream isPodUpdated); anything else is.
 */
function specOrLabelsChanged(a: Pod, b: Pod): boolean {
  const strip = (p: Pod) => ({ spec: p.spec, labels: p.metadata?.labels, annotations: p.metadata?.annotations, deleting: p.metadata?.deletionTimestamp });
  return !isDeepStrictEqual(strip(a), strip(b));
}

/**
 * Finished pods hold no resources. Upstream's scheduler leaves them out of its pod informer with a
 * field selector; ours shares the controller manager's informer of every pod, so it leaves them out
 * here, as that selector would: a pod that finishes is deleted from the scheduler's view.
 */
const finished = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Starts informers and the scheduling loop; resolves once the caches have synced. */
export async function startSchedulerService(client: Client, opts: SchedulerServiceOptions): Promise<SchedulerService> {
  const factory = opts.informers ?? createInformerFactory(client, { logger: opts.logger });
  const nodes = factory.informerFor<Node>(resources.nodes);
  const pods = factory.informerFor<Pod>(resources.pods);
  const namespaces = factory.informerFor<Namespace>(resources.namespaces);
  const claims = factory.informerFor<PersistentVolumeClaim>(resources.persistentvolumeclaims);
  const volumes = factory.informerFor<PersistentVolume>(resources.persistentvolumes);
  const classes = factory.informerFor<StorageClass>(resources.storageclasses);
  const recorder = createEventRecorder(opts.eventClient ?? client, { component: DEFAULT_SCHEDULER_NAME, logger: opts.logger });
  const keyOf = (p: Pod): string => `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`;
  const host = createApiHost(client, {
    recorder,
    latest: (p) => {
      const cur = pods.store.get(keyOf(p));
      return cur && cur.metadata?.uid === p.metadata?.uid ? cur : undefined;
    },
  });
  const scheduler = createScheduler({
    host,
    namespaceLabels: (ns) => namespaces.store.get(ns)?.metadata?.labels,
    observeCycle: opts.observeCycle,
    volumes: {
      claim: (ns, name) => claims.store.get(`${ns}/${name}`),
      volume: (name) => volumes.store.get(name),
      volumes: () => volumes.store.list(),
      storageClass: (name) => classes.store.get(name),
      async selectNode(claim, nodeName) {
        const patch = { metadata: { annotations: { 'volume.kubernetes.io/selected-node': nodeName } } };
        await client.patch(resources.persistentvolumeclaims, claim.metadata?.namespace, claim.metadata?.name ?? '', patch, { type: 'merge' });
      },
    },
  });

  nodes.on('add', (n) => scheduler.addNode(n));
  nodes.on('update', (old, n) => scheduler.updateNode(n, old));
  nodes.on('delete', (n) => scheduler.deleteNode(n));
  pods.on('add', (p) => {
    if (!finished(p)) scheduler.addPod(p);
  });
  pods.on('update', (old, p) => {
    if (finished(p)) {
      if (!finished(old)) scheduler.deletePod(p);
      return;
    }
    if (!p.spec?.nodeName && !old.spec?.nodeName && !specOrLabelsChanged(old, p)) return;
    scheduler.updatePod(p, old);
  });
  pods.on('delete', (p) => {
    if (!finished(p)) scheduler.deletePod(p);
  });
  // A claim bound or created, a volume provisioned, a class added: pods waiting on them may fit.
  const requeue = (): void => scheduler.queue.moveAllToActiveOrBackoff('VolumeChange');
  claims.on('add', requeue);
  claims.on('update', requeue);
  volumes.on('add', requeue);
  volumes.on('update', requeue);
  classes.on('add', requeue);
  // Namespace labels only matter to affinity namespaceSelectors; a change may make pods fit.
  namespaces.on('update', () => scheduler.queue.moveAllToActiveOrBackoff('NodeUpdate'));

  factory.start(opts.signal);
  await factory.waitForSync(opts.signal);
  const done = scheduler
    .run(opts.signal)
    .then(() => scheduler.settled())
    .then(() => recorder.flush())
    .catch((e: unknown) => opts.logger?.error(`scheduler stopped: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  return { scheduler, done };
}

export const schedulerComponent: Component = {
  name: 'scheduler',
  identity: { user: 'system:kube-scheduler', groups: [] },
  async start(ctx) {
    const logger: Logger = {
      info: (m) => ctx.log(m, { component: 'scheduler' }),
      warn: (m) => ctx.log(m, { component: 'scheduler', level: 'warn' }),
      error: (m) => ctx.log(m, { component: 'scheduler', level: 'error' }),
    };
    // Events get their own client (connection pool), as bindings must not queue behind them.
    const eventClient = ctx.newClient('peapod-scheduler-events');
    try {
      const informers = ctx.informers.forUser(ctx.signal);
      const svc = await startSchedulerService(ctx.client, { signal: ctx.signal, logger, eventClient, informers });
      void svc.done.finally(() => eventClient.close());
    } catch (e) {
      eventClient.close();
      throw e;
    }
  },
};
