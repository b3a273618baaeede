// Test helpers for the pod workers: an in-memory AgentApi and a pod factory. Not used in production.
import type { ConfigMap, Container, Pod, PodStatus, Secret } from 'kubernetes-types/core/v1.js';
import { HollowPodStorage } from '../hollow/hollow-storage.ts';
import { HollowRuntime } from '../hollow/hollow-runtime.ts';
import type { AgentApi, NodeInfo } from './agent-api.ts';
import { manualClock, type ManualClock } from './clock.ts';
import { PodManager, type PodManagerOptions } from './pod-manager.ts';

export class FakeApi implements AgentApi {
  readonly statuses: { name: string; rv: string; status: PodStatus }[] = [];
  readonly events: { name: string; type: string; reason: string; message: string }[] = [];
  readonly deleted: string[] = [];
  readonly configMaps = new Map<string, ConfigMap>();
  readonly secrets = new Map<string, Secret>();
  node: NodeInfo = { name: 'node-1', ip: '192.0.2.10', allocatable: { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi', pods: '110' } };
  /** Called during finishDeletion, to observe ordering. */
  onFinishDeletion: (pod: Pod) => void = () => undefined;

  async updatePodStatus(pod: Pod, status: PodStatus): Promise<void> {
    this.statuses.push({ name: pod.metadata?.name ?? '', rv: pod.metadata?.resourceVersion ?? '', status: structuredClone(status) });
  }
  async finishDeletion(pod: Pod): Promise<void> {
    this.onFinishDeletion(pod);
    this.deleted.push(pod.metadata?.name ?? '');
  }
  recordEvent(pod: Pod, type: string, reason: string, message: string): void {
    this.events.push({ name: pod.metadata?.name ?? '', type, reason, message });
  }
  async getConfigMap(ns: string, name: string): Promise<ConfigMap | undefined> {
    return this.configMaps.get(`${ns}/${name}`);
  }
  async getSecret(ns: string, name: string): Promise<Secret | undefined> {
    return this.secrets.get(`${ns}/${name}`);
  }
  nodeInfo(): NodeInfo {
    return this.node;
  }
  /** The last status sent for a pod. */
  last(name: string): PodStatus {
    const s = this.statuses.filter((x) => x.name === name).at(-1);
    if (!s) throw new Error(`no status for ${name}`);
    return s.status;
  }
}

let seq = 0;

export function makePod(
  name: string,
  spec: {
    containers: Container[];
    initContainers?: Container[];
    restartPolicy?: string;
    activeDeadlineSeconds?: number;
    imagePullSecrets?: { name: string }[];
  },
  annotations: Record<string, string> = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}-${++seq}`, annotations, resourceVersion: '1' },
    spec: { nodeName: 'node-1', terminationGracePeriodSeconds: 30, ...spec },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  };
}

export interface Harness {
  clock: ManualClock;
  api: FakeApi;
  runtime: HollowRuntime;
  storage: HollowPodStorage;
  manager: PodManager;
  abort: AbortController;
  /** Moves the clock and lets every worker finish what that triggered. */
  advance(ms: number): Promise<void>;
}

export async function harness(
  opts: {
    runtime?: HollowRuntime;
    clock?: ManualClock;
    api?: FakeApi;
    storage?: HollowPodStorage;
    imageExists?: (ref: string) => boolean;
    podCidr?: string;
    probes?: PodManagerOptions['probes'];
    images?: PodManagerOptions['images'];
  } = {},
): Promise<Harness> {
  const clock = opts.clock ?? manualClock();
  const api = opts.api ?? new FakeApi();
  const runtime = opts.runtime ?? new HollowRuntime({ podCidr: opts.podCidr ?? '10.42.0.0/24', clock, imageExists: opts.imageExists });
  const storage = opts.storage ?? new HollowPodStorage();
  // Probes fire at the start of their period (no random jitter) so tests are deterministic.
  const manager = new PodManager({ runtime, api, storage, clock, images: opts.images, probes: opts.probes ?? { random: () => 0 } });
  const abort = new AbortController();
  await manager.start(abort.signal);
  return {
    clock,
    api,
    runtime,
    storage,
    manager,
    abort,
    async advance(ms) {
      const step = 1000;
      await manager.settled();
      for (let t = 0; t < ms; t += step) {
        clock.advance(Math.min(step, ms - t));
        await manager.settled();
      }
      await manager.settled();
    },
  };
}
