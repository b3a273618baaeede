// The controller manager: one Component (`controller-manager`) that runs every controller in
// `peapod server` on shared informers, so N controllers watching pods cost one list and one watch.
// Start-up: discover the served resources (GC and namespace deletion cover all of them), create
// the controllers (each registers its informers), start and sync the informers, run the workers.
// Resources added to the server after start-up are not covered until the next start.
import { setMaxListeners } from 'node:events';
import type { Component, ComponentContext } from '../server/component.ts';
import { createEventRecorder, createInformerFactory, realClock, sleep, type Client, type Clock, type InformerFactory, type Logger } from '../client/index.ts';
import { createDeploymentController } from './deployment/deployment-controller.ts';
import { discoverResources, type DiscoveredResource } from './discovery.ts';
import { createResourceDiscovery } from './resource-discovery.ts';
import { replicationControllerKind } from './replicaset/kind.ts';
import { createResourceQuotaController } from './resource-quota/resource-quota-controller.ts';
import { createRootCaPublisher } from './root-ca-publisher/root-ca-publisher.ts';
import { createGarbageCollector } from './garbage-collector/garbage-collector.ts';
import { createNamespaceController } from './namespace/namespace-controller.ts';
import { createReplicaSetController } from './replicaset/replicaset-controller.ts';
import { createStatefulSetController } from './statefulset/statefulset-controller.ts';
import { createJobController } from './job/job-controller.ts';
import { createNodeLifecycleController } from './node-lifecycle/node-lifecycle-controller.ts';
import { createTaintEvictionController } from './taint-eviction/taint-eviction-controller.ts';
import { createDisruptionController } from './disruption/disruption-controller.ts';
import { createNodeIpamController } from './node-ipam/node-ipam-controller.ts';
import { createPodGcController } from './pod-gc/pod-gc-controller.ts';
import { createDaemonSetController } from './daemonset/daemonset-controller.ts';
import { createCronJobController } from './cronjob/cronjob-controller.ts';
import { createServiceAccountController } from './serviceaccount/serviceaccount-controller.ts';
import { createClusterRoleAggregationController } from './clusterrole-aggregation/clusterrole-aggregation-controller.ts';
import { createPersistentVolumeController } from './persistentvolume/pv-controller.ts';
import { createEphemeralVolumeController } from './ephemeral-volume/ephemeral-volume-controller.ts';
import { createEndpointSliceController } from './endpointslice/endpointslice-controller.ts';
import { createEndpointsController } from './endpoints/endpoints-controller.ts';
import { createMirroringController } from './endpointslice/mirroring-controller.ts';
import { createServiceLbController } from './servicelb/servicelb-controller.ts';
import type { Controller, ControllerDeps } from './types.ts';
import { createHpaController, type HpaControllerOptions } from './podautoscaler/hpa-controller.ts';

export interface ControllerManagerOptions {
  client: Client;
  signal: AbortSignal;
  logger: Logger;
  clock?: Clock;
  /** Names of controllers not to run (replicaset, deployment, garbage-collector, namespace). */
  disabled?: readonly string[];
  /** Worker loops per controller. */
  workers?: number;
  /** Node lifecycle: how long a node may miss lease renewals before it is Unknown (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** The cluster CA (PEM) the root CA publisher puts in every namespace's kube-root-ca.crt. */
  rootCaPem?: string;
  /** --horizontal-pod-autoscaler-sync-period / -downscale-stabilization / -tolerance. */
  hpa?: HpaControllerOptions;
  /** Where the informers come from (default: a factory of the manager's own on `client`). */
  informers?: InformerFactory;
}

export interface ControllerManager {
  readonly controllers: readonly Controller[];
  /** Resolves once informers have synced and workers run. */
  readonly ready: Promise<void>;
  /** Resolves when every controller has stopped (after `signal` aborted). */
  readonly done: Promise<void>;
}

async function discoverWithRetry(client: Client, signal: AbortSignal, clock: Clock): Promise<DiscoveredResource[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await discoverResources(client, signal);
    } catch (e) {
      if (signal.aborted || attempt >= 10) throw e;
      await sleep(clock, 200 * 2 ** Math.min(attempt, 5), signal);
    }
  }
}

export async function startControllerManager(opts: ControllerManagerOptions): Promise<ControllerManager> {
  const clock = opts.clock ?? realClock;
  const { client, logger } = opts;
  // Every informer and worker listens on the signal; one derived signal keeps Node's
  // listener-leak warning quiet without touching the caller's.
  const inner = new AbortController();
  setMaxListeners(0, inner.signal);
  if (opts.signal.aborted) inner.abort();
  else opts.signal.addEventListener('abort', () => inner.abort(), { once: true });
  const signal = inner.signal;
  const informers = opts.informers ?? createInformerFactory(client, { clock, logger });
  const discovery = createResourceDiscovery(client, { initial: await discoverWithRetry(client, signal, clock), informers, clock, logger });
  const recorder = createEventRecorder(client, { component: 'deployment-controller', clock, logger });
  const deps: ControllerDeps = { client, informers, clock, logger, recorder, workers: opts.workers };
  const disabled = new Set(opts.disabled ?? []);
  const all: Controller[] = [
    createReplicaSetController(deps),
    createReplicaSetController(deps, { kind: replicationControllerKind }),
    createDeploymentController(deps),
    createStatefulSetController(deps),
    createJobController(deps),
    createDaemonSetController(deps),
    createCronJobController(deps),
    createGarbageCollector(deps, { discovery }),
    createResourceQuotaController(deps, { discovery }),
    ...(opts.rootCaPem ? [createRootCaPublisher(deps, { caPem: opts.rootCaPem })] : []),
    createNamespaceController(deps, { discovery }),
    createNodeLifecycleController(deps, { gracePeriodMs: opts.nodeMonitorGracePeriodMs }),
    createTaintEvictionController(deps),
    createDisruptionController(deps),
    createNodeIpamController(deps),
    createPodGcController(deps),
    createServiceAccountController(deps),
    createClusterRoleAggregationController(deps),
    createPersistentVolumeController(deps),
    createEphemeralVolumeController(deps),
    createEndpointSliceController(deps),
    createEndpointsController(deps),
    createMirroringController(deps),
    createServiceLbController(deps),
    createHpaController(deps, opts.hpa),
  ].filter((c) => !disabled.has(c.name));
  informers.start(signal);
  const ready = informers.waitForSync(signal);
  const done = ready.then(
    () => Promise.all([discovery.run(signal), ...all.map((c) => c.run(signal))]).then(() => undefined),
    () => undefined,
  );
  return { controllers: all, ready: ready.catch(() => undefined), done };
}

function componentLogger(ctx: ComponentContext): Logger {
  return {
    info: (m) => ctx.log(m, { component: 'controller-manager' }),
    warn: (m) => ctx.log(m, { component: 'controller-manager', level: 'warn' }),
    error: (m) => ctx.log(m, { component: 'controller-manager', level: 'error' }),
  };
}

/** Server flags that reach the controllers (peapod server --node-monitor-grace-period ...). */
export type ControllerManagerFlags = Pick<ControllerManagerOptions, 'nodeMonitorGracePeriodMs' | 'disabled' | 'hpa'>;

export function controllerManager(flags: ControllerManagerFlags = {}): Component {
  return {
    name: 'controller-manager',
    identity: { user: 'system:kube-controller-manager', groups: [] },
    async start(ctx) {
      const informers = ctx.informers.forUser(ctx.signal);
      await startControllerManager({ ...flags, client: ctx.client, signal: ctx.signal, logger: componentLogger(ctx), rootCaPem: ctx.server.caPem, informers });
    },
  };
}

export const controllerManagerComponent: Component = controllerManager();
