// Resolving a streaming request to its pod, container and node agent, with upstream's
// validation messages (pkg/registry/core/pod/strategy.go and kubelet's log checks).
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { ApiError, badRequest, notFound } from '../../errors.ts';
import type { ApiContext } from '../../context.ts';

export interface AgentEndpoint {
  readonly host: string;
  readonly port: number;
}

/** kubelet's default port, used when a Node does not report daemonEndpoints. */
const DEFAULT_AGENT_PORT = 10250;

export async function loadPod(ctx: ApiContext, namespace: string, name: string): Promise<Pod> {
  const pods = ctx.byGroupResource('', 'pods');
  if (!pods) throw notFound({ group: '', resource: 'pods' }, name);
  return (await pods.store.get(namespace, name)) as Pod;
}

function allContainerNames(pod: Pod): string[] {
  const spec = pod.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])].map((c) => c.name);
}

/** The named container (or the only one), else upstream's BadRequest. */
export function resolveContainer(pod: Pod, container: string | undefined): string {
  const name = pod.metadata?.name ?? '';
  if (container) {
    if (!allContainerNames(pod).includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
    return container;
  }
  const containers = pod.spec?.containers ?? [];
  if (containers.length === 1) return containers[0]!.name;
  if (containers.length === 0) throw badRequest(`pod ${name} does not have a container`);
  // Go prints a []string as [a b c].
  throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${allContainerNames(pod).join(' ')}]`);
}

/**
 * kubelet's log preconditions from the reported container status (validateContainerLogStatus):
 * which instance to read is the agent's business, but these messages are what users see.
 */
export function checkLogStatus(pod: Pod, container: string, previous: boolean): void {
  const podName = pod.metadata?.name ?? '';
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])];
  const st = statuses.find((s) => s.name === container);
  const q = (s: string) => JSON.stringify(s);
  if (!st) throw badRequest(`container ${q(container)} in pod ${q(podName)} is waiting to start: ContainerCreating`);
  if (previous) {
    if (!st.lastState?.terminated) throw badRequest(`previous terminated container ${q(container)} in pod ${q(podName)} not found`);
    return;
  }
  if (st.state?.running || st.state?.terminated || st.lastState?.terminated) return;
  const reason = st.state?.waiting?.reason ?? 'ContainerCreating';
  const why = reason === 'ErrImagePull' ? "image can't be pulled" : reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : reason;
  throw badRequest(`container ${q(container)} in pod ${q(podName)} is waiting to start: ${why}`);
}

/** Where the pod's node agent listens: InternalIP (else Hostname) and daemonEndpoints.kubeletEndpoint. */
export async function agentEndpoint(ctx: ApiContext, nodeName: string): Promise<AgentEndpoint> {
  const nodes = ctx.byGroupResource('', 'nodes');
  if (!nodes) throw notFound({ group: '', resource: 'nodes' }, nodeName);
  const node = (await nodes.store.get(undefined, nodeName)) as Node;
  const addresses = node.status?.addresses ?? [];
  const host = (addresses.find((a) => a.type === 'InternalIP') ?? addresses.find((a) => a.type === 'Hostname') ?? addresses[0])?.address;
  if (!host) throw new ApiError(503, 'ServiceUnavailable', `no preferred addresses found; known addresses: []`);
  return { host, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_AGENT_PORT };
}
