// A stand-in for a node agent in controller tests: it binds unscheduled pods to a pretend node,
// marks them Running and Ready through pods/status (after `readyDelayMs`, so rollouts take a few
// steps; never for pods labelled `node-player/ready: "false"`), and finishes graceful deletions
// the way a kubelet does (delete with grace period 0).
// Runs on the same client framework as the controllers; stop() ends its informer and workers.
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  createClient,
  createInformer,
  createWorkQueue,
  enqueueOnChange,
  isNotFound,
  resources,
  runController,
  silentLogger,
  splitKey,
  type Client,
} from '../../src/client/index.ts';

export interface NodePlayer {
  readonly client: Client;
  /** While true, graceful deletions are left pending (pods stay Terminating); set false to finish them. */
  holdDeletions: boolean;
  stop(): Promise<void>;
}

export interface NodePlayerOptions {
  server: { url: string; token: string; ca: string };
  /** Only pods in this namespace (default: all). */
  namespace?: string;
  nodeName?: string;
  /** How long a pod stays Running but not Ready. */
  readyDelayMs?: number;
  /** Bind unscheduled pods to `nodeName` (default true); false leaves binding to the scheduler. */
  bind?: boolean;
}

/** Pods with this label set to "false" run but never become Ready. */
export const NEVER_READY_LABEL = 'node-player/ready';
/** Pods with restartPolicy OnFailure/Never exit after starting, with this code (default "0"). */
export const EXIT_CODE_ANNOTATION = 'node-player/exit-code';

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function startNodePlayer(opts: NodePlayerOptions): Promise<NodePlayer> {
  const client = createClient({ server: opts.server.url, token: opts.server.token, ca: opts.server.ca, userAgent: 'node-player' });
  const nodeName = opts.nodeName ?? 'player-node';
  const abort = new AbortController();
  const pods = createInformer<Pod>(client, resources.pods, { namespace: opts.namespace, logger: silentLogger });
  const queue = createWorkQueue<string>({ name: 'node-player', baseDelayMs: 50, maxDelayMs: 1000 });
  enqueueOnChange(pods, queue);
  const seen = new Map<string, number>();
  let ip = 1;
  const player = { holdDeletions: false };

  async function reconcile(key: string): Promise<void | { requeueAfterMs: number }> {
    const pod = pods.store.get(key);
    if (!pod) return;
    const { namespace, name } = splitKey(key);
    try {
      if (pod.metadata?.deletionTimestamp) {
        if (player.holdDeletions) return { requeueAfterMs: 100 };
        await client.delete(resources.pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
        return;
      }
      if (!pod.spec?.nodeName) {
        if (opts.bind === false) return;
        await client.post(resources.pods, namespace, name, 'binding', {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name },
          target: { kind: 'Node', name: nodeName },
        });
        return;
      }
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
      // Pods that do not restart (Job pods) "exit" once Running: with the code in the
      // `node-player/exit-code` annotation (default 0).
      const exit = pod.metadata?.annotations?.[EXIT_CODE_ANNOTATION];
      if (pod.spec.restartPolicy !== 'Always' && pod.status?.phase === 'Running') {
        const code = Number(exit ?? '0');
        const t = now();
        await client.patch(
          resources.pods,
          namespace,
          name,
          {
            status: {
              phase: code === 0 ? 'Succeeded' : 'Failed',
              conditions: [{ type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'PodCompleted' }],
              containerStatuses: (pod.spec.containers ?? []).map((c) => ({
                name: c.name,
                image: c.image ?? '',
                imageID: '',
                ready: false,
                restartCount: 0,
                started: false,
                state: { terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt: pod.status?.startTime ?? t, finishedAt: t } },
              })),
            },
          },
          { type: 'strategic', subresource: 'status' },
        );
        return;
      }
      if ((pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')) return;
      if (pod.status?.phase === 'Running' && pod.metadata?.labels?.[NEVER_READY_LABEL] === 'false') return;
      const uid = pod.metadata?.uid ?? '';
      const first = seen.get(uid) ?? Date.now();
      seen.set(uid, first);
      const wait = first + (opts.readyDelayMs ?? 0) - Date.now();
      const ready = wait <= 0 && pod.metadata?.labels?.[NEVER_READY_LABEL] !== 'false';
      const t = now();
      const cond = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t });
      await client.patch(
        resources.pods,
        namespace,
        name,
        {
          status: {
            phase: 'Running',
            hostIP: '127.0.0.1',
            podIP: pod.status?.podIP ?? `10.99.${(ip >> 8) & 255}.${ip++ & 255}`,
            startTime: pod.status?.startTime ?? t,
            conditions: [cond('Initialized', true), cond('Ready', ready), cond('ContainersReady', ready), cond('PodScheduled', true)],
            containerStatuses: (pod.spec.containers ?? []).map((c) => ({
              name: c.name,
              image: c.image ?? '',
              imageID: '',
              ready,
              restartCount: 0,
              started: true,
              state: { running: { startedAt: t } },
            })),
          },
        },
        { type: 'strategic', subresource: 'status' },
      );
      if (!ready && wait > 0) return { requeueAfterMs: wait };
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  }

  void pods.start(abort.signal);
  await pods.waitForSync(abort.signal);
  const done = runController({ name: 'node-player', reconciler: { reconcile }, queue, workers: 8, signal: abort.signal, logger: silentLogger });
  return {
    client,
    get holdDeletions() {
      return player.holdDeletions;
    },
    set holdDeletions(v: boolean) {
      player.holdDeletions = v;
    },
    async stop() {
      abort.abort();
      await done;
      client.close();
    },
  };
}
