import type { PluginFactory, Registry } from '../framework/registry.ts';
import { balancedAllocation } from './balanced-allocation/balanced-allocation.ts';
import { createDefaultPreemption, type DefaultPreemptionArgs } from './default-preemption/default-preemption.ts';
import { createImageLocality } from './image-locality/image-locality.ts';
import { createInterPodAffinity } from './inter-pod-affinity/inter-pod-affinity.ts';
import { nodeAffinity } from './node-affinity/node-affinity.ts';
import { nodeName } from './node-name/node-name.ts';
import { nodePorts } from './node-ports/node-ports.ts';
import { nodeResourcesFit } from './node-resources-fit/node-resources-fit.ts';
import { nodeUnschedulable } from './node-unschedulable/node-unschedulable.ts';
import { createPodTopologySpread } from './pod-topology-spread/pod-topology-spread.ts';
import { schedulingGates } from './scheduling-gates/scheduling-gates.ts';
import { taintToleration } from './taint-toleration/taint-toleration.ts';
import { createVolumeBinding } from './volume-binding/volume-binding.ts';

/** Every in-tree plugin by upstream name. Stateless plugins are shared singletons. */
export function inTreeRegistry(): Registry {
  const entries: Array<[string, PluginFactory]> = [
    [schedulingGates.name, () => schedulingGates],
    [nodeUnschedulable.name, () => nodeUnschedulable],
    [nodeName.name, () => nodeName],
    [taintToleration.name, () => taintToleration],
    [nodeAffinity.name, () => nodeAffinity],
    [nodePorts.name, () => nodePorts],
    [nodeResourcesFit.name, () => nodeResourcesFit],
    ['PodTopologySpread', (h) => createPodTopologySpread(h.lister)],
    ['InterPodAffinity', (h) => createInterPodAffinity(h)],
    ['DefaultPreemption', (h, args) => createDefaultPreemption(h, (args ?? {}) as DefaultPreemptionArgs)],
    [balancedAllocation.name, () => balancedAllocation],
    ['ImageLocality', (h) => createImageLocality(h.lister)],
    ['VolumeBinding', (h) => createVolumeBinding(h)],
  ];
  return new Map(entries);
}
