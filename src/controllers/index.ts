// Controllers: the controller manager component and the controllers it runs.
export { controllerManagerComponent, startControllerManager, type ControllerManager, type ControllerManagerOptions } from './manager.ts';
export { createReplicaSetController } from './replicaset/replicaset-controller.ts';
export { replicaSetKind, type ReplicatedKind } from './replicaset/kind.ts';
export { createDeploymentController } from './deployment/deployment-controller.ts';
export { createGarbageCollector } from './garbage-collector/garbage-collector.ts';
export { createNamespaceController } from './namespace/namespace-controller.ts';
export { discoverResources, type DiscoveredResource } from './discovery.ts';
export { computeHash } from './deployment/util.ts';
