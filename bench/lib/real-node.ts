// A `peapod server` whose embedded agent runs real containers, for benchmarks that start pods:
// a fresh node name and pod /24, a client, and a clean-up that leaves no pod, container or
// sandbox behind (registered before the server's own stop, so it runs first).
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { conmonPreflight } from '../../src/agent/preflight.ts';
import { sweep } from '../../src/agent/network/index.ts';
import { removeAgentRuntimeState } from '../../src/agent/index.ts';
import { createClient, resources, type Client } from '../../src/client/index.ts';
import { onCleanup } from './cleanup.ts';
import { launchServer, type LaunchOptions, type ServerProcess } from './server-process.ts';

export interface RealNode {
  server: ServerProcess;
  client: Client;
  nodeName: string;
  agentDir: string;
  /** The random part of the node name, and the third octet of its pod /24 (for peers beside it). */
  tag: string;
  octet: number;
}

/** Throws when this host cannot run real pods; resolves once the node is registered. */
export async function startRealNode(userAgent: string, opts: { namespace: string; launch?: Pick<LaunchOptions, 'env' | 'onLogLine'> }): Promise<RealNode> {
  const problems = await conmonPreflight('auto');
  if (problems.length) throw new Error(`cannot run real pods here: ${problems.join('; ')}`);
  const tag = randomBytes(3).toString('hex');
  const nodeName = `bench-${tag}`;
  const octet = 150 + (randomBytes(1)[0]! % 50);
  // A loaded machine (shared CI) can take well over the default 30 s to build the busybox image and start.
  const server = await launchServer({ readyTimeoutMs: 120_000, ...opts.launch, args: ['--node-name', nodeName, '--pod-cidr', `10.42.${octet}.0/24`] });
  const agentDir = join(server.dataDir, 'agent');
  const client = createClient({ server: server.url, token: server.token, ca: server.caPem, userAgent });
  onCleanup(async () => {
    await client.deleteCollection(resources.pods, opts.namespace, {}, { gracePeriodSeconds: 0 }).catch(() => undefined);
    const podsDir = join(agentDir, 'rt', 'pods');
    for (let i = 0; i < 150 && existsSync(podsDir) && readdirSync(podsDir).length > 0; i++) await new Promise((r) => setTimeout(r, 200));
    await removeAgentRuntimeState(agentDir);
    await sweep({ pathPrefix: join(agentDir, 'rt') });
    client.close();
  });
  for (let i = 0; i < 300 && !(await client.get(resources.nodes, undefined, nodeName).catch(() => undefined)); i++)
    await new Promise((r) => setTimeout(r, 100));
  return { server, client, nodeName, agentDir, tag, octet };
}
