import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ensurePki } from '../util/tls/index.ts';
import type { Store } from '../client/index.ts';
import type { ContainerRuntime } from './runtime/index.ts';
import { startAgentServer, streamContainerLog, type AgentServer, type StreamingBackend } from './server/index.ts';

export interface AgentStreamingOptions {
  /** `<dir>/pki` holds the endpoint's self-signed serving certificate (kept across restarts). */
  dataDir: string;
  /** Where to listen: the node's InternalIP, which the API server dials. */
  host: string;
  /** 0 = any free port (reported in Node.status.daemonEndpoints). */
  port: number;
  /** The bearer token the API server sends when it proxies logs/exec/attach/port-forward. */
  token: string;
  runtime: ContainerRuntime;
  /** The agent's pod informer cache (pods bound to this node), keyed `namespace/name`. */
  pods: Store<Pod>;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/**
 * Starts the agent's kubelet-like HTTPS endpoint (src/agent/server) over this node's runtime.
 * Containers are looked up in the runtime by pod UID and name: the newest attempt is the current
 * instance, the one before it the `--previous` one.
 */
export async function startAgentStreaming(opts: AgentStreamingOptions): Promise<AgentServer> {
  const pki = await ensurePki(join(opts.dataDir, 'pki'), { hosts: [opts.host] });
  return startAgentServer({
    host: opts.host,
    port: opts.port,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticate: (header) => header === `Bearer ${opts.token}`,
    backend: runtimeBackend(opts.runtime, opts.pods),
    log: opts.log,
  });
}

export function runtimeBackend(runtime: ContainerRuntime, pods: Store<Pod>): StreamingBackend {
  return {
    async findContainer(namespace, podName, container) {
      const pod = pods.get(`${namespace}/${podName}`);
      const uid = pod?.metadata?.uid;
      const name = container ?? pod?.spec?.containers[0]?.name;
      if (!uid || !name) return undefined;
      const instances = (await runtime.listContainers())
        .filter((c) => c.podUid === uid && c.name === name)
        .sort((a, b) => b.attempt - a.attempt || Date.parse(b.status.createdAt) - Date.parse(a.status.createdAt));
      const [current, previous] = instances;
      if (!current) return undefined;
      return {
        id: current.id,
        logPath: runtime.logPath(current.id),
        previousLogPath: previous ? runtime.logPath(previous.id) : undefined,
        running: current.status.state === 'running',
      };
    },
    exec: (id, cmd, io) => runtime.exec(id, cmd, io),
    // Output-only attach: the container's new output, live, until it exits or the client leaves.
    // conmon's attach socket (stdin into the main process) is not wired yet, so stdin is ignored.
    async attach(id, io) {
      const out = io.stdout ?? io.stderr;
      if (!out) return;
      await streamContainerLog(runtime.logPath(id), out, {
        follow: true,
        tailLines: 0,
        signal: io.signal,
        stillRunning: async () => (await runtime.containerStatus(id))?.state === 'running',
      });
    },
    podNetwork(namespace, podName) {
      const pod = pods.get(`${namespace}/${podName}`);
      const ip = pod?.status?.podIP;
      const uid = pod?.metadata?.uid;
      return ip && uid ? { ip, uid } : undefined;
    },
  };
}
