// `peapod agent`: joins a node to a cluster: registers it with the API server at --server and runs
// the pods bound to it, in the foreground until SIGINT/SIGTERM. Containers keep running when the
// agent stops; the next start adopts them.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { componentLog, createCliLogger, logFormatFlag } from './cli-logger.ts';
import { startAgent, type Agent } from '../agent/agent.ts';
import { defaultNodeName } from '../agent/node-name.ts';
import { conmonPreflight } from '../agent/preflight.ts';
import { CLUSTER_POD_CIDR, DEFAULT_CLUSTER_DOMAIN, DEFAULT_SERVICE_CIDR } from '../agent/proxy/index.ts';
import type { OciRuntimePreference } from '../agent/runtime/index.ts';
import { createClient } from '../client/index.ts';
import { joinCluster } from '../agent/node/join.ts';
import { defaultDataDir } from './server-command.ts';
import { parseDuration } from './node-timers.ts';

interface AgentFlags {
  server: string;
  token?: string;
  caFile?: string;
  nodeName: string;
  dataDir: string;
  runtime: string;
  ociRuntime: string;
  podCidr?: string;
  nodeIp?: string;
  label: string[];
  agentPort: string;
  nodeLeaseRenewInterval?: string;
  logFormat?: string;
  serviceClusterIpRange: string;
  clusterDns?: string;
  clusterDomain: string;
  clusterCidr: string;
  registryConfig?: string;
}

/** The agent's state dir by default: beside the server's, as the embedded agent uses. */
export function defaultAgentDataDir(): string {
  return join(defaultDataDir(), 'agent');
}

function fail(message: string): never {
  process.stderr.write(`peapod agent: ${message}\n`);
  process.exit(1);
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) fail(`${flag}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('run a node agent that joins the cluster at --server')
    .requiredOption('--server <url>', "API server URL, e.g. https://10.0.0.1:6443; several, comma-separated, fail over (as k3s agents' load balancer)")
    .option('--token <token>', "join token: the server's <data-dir>/node-token (default: $PEAPOD_TOKEN)")
    .option('--ca-file <file>', "CA bundle that signed the server certificate (the server's pki/ca.crt)")
    .option('--node-name <name>', 'name of this node', defaultNodeName())
    .option('--data-dir <dir>', 'agent state: containers, images, volumes', defaultAgentDataDir())
    .option('--runtime <runtime>', 'conmon (real containers) or hollow (simulated, for scale tests)', 'conmon')
    .option('--oci-runtime <name>', 'auto (crun where the cgroup layout allows, else runc), runc or crun', 'auto')
    .option('--pod-cidr <cidr>', "this node's pod subnet (default: Node.spec.podCIDR, else the first free 10.42.N.0/24)")
    .option('--node-ip <ip>', 'InternalIP to report (default: the first non-loopback IPv4)')
    .option('--label <key=value>', 'node label (repeatable)', collect, [])
    .option('--agent-port <port>', 'port of the HTTPS endpoint for logs/exec/port-forward on the node IP (0: any free port)', '10250')
    .option(
      '--node-lease-renew-interval <duration>',
      "how often the node Lease is renewed (default: a quarter of the cluster's node lease duration from kube-system/kubelet-config, which the server's --profile sets; 10s without it)",
    )
    .option('--log-format <format>', 'text (human-readable; the default on a terminal) or json (the default otherwise)', logFormatFlag)
    .option('--registry-config <file>', 'k3s-style registries.yaml: mirrors, credentials, TLS (default: <data-dir>/registries.yaml)')
    .option('--service-cluster-ip-range <cidr>', "the API server's Service ClusterIP range (routed into this host, proxied by nftables)", DEFAULT_SERVICE_CIDR)
    .option('--cluster-dns <ip>', "DNS server IP written into pods' resolv.conf and answered by this node (default: the 10th address of the service range)")
    .option('--cluster-domain <domain>', 'cluster DNS domain', DEFAULT_CLUSTER_DOMAIN)
    .option('--cluster-cidr <cidr>', 'pod CIDR of the whole cluster (Service traffic from outside it is masqueraded)', CLUSTER_POD_CIDR)
    .action(async (opts: AgentFlags) => {
      const logger = createCliLogger({ format: opts.logFormat });
      const runtime = oneOf('--runtime', opts.runtime, ['conmon', 'hollow'] as const);
      const ociRuntime = oneOf<OciRuntimePreference>('--oci-runtime', opts.ociRuntime, ['auto', 'runc', 'crun']);
      const token = opts.token ?? process.env.PEAPOD_TOKEN;
      if (!token) fail('--token (or $PEAPOD_TOKEN) is required');
      const agentPort = Number(opts.agentPort);
      if (!Number.isInteger(agentPort) || agentPort < 0 || agentPort > 65535)
        fail(`--agent-port: expected a port number, got ${JSON.stringify(opts.agentPort)}`);
      if (runtime === 'conmon') {
        const problems = await conmonPreflight(ociRuntime);
        if (problems.length) {
          process.stderr.write(`peapod agent: cannot run pods here:\n${problems.map((p) => `  - ${p}\n`).join('')}  (or use --runtime hollow)\n`);
          process.exit(1);
        }
      }
      const labels = Object.fromEntries(
        opts.label.map((l) => {
          const i = l.indexOf('=');
          return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)];
        }),
      );
      const ca = opts.caFile ? await readFile(opts.caFile, 'utf8').catch((e: Error) => fail(`--ca-file: ${e.message}`)) : undefined;
      // The join token only buys node credentials; from here on the agent is system:node:<name>.
      const creds = await joinCluster({ server: opts.server, token, ca, nodeName: opts.nodeName, dataDir: opts.dataDir }).catch((e: Error) => fail(e.message));
      const client = createClient({ server: opts.server, ca, cert: creds.cert, key: creds.key, userAgent: 'peapod-agent' });
      const abort = new AbortController();
      let agent: Agent;
      try {
        agent = await startAgent({
          client,
          nodeName: opts.nodeName,
          dataDir: opts.dataDir,
          runtime,
          ociRuntime,
          podCidr: opts.podCidr,
          nodeIp: opts.nodeIp,
          labels,
          streaming: { token, port: agentPort },
          leaseRenewIntervalMs: opts.nodeLeaseRenewInterval === undefined ? undefined : parseDuration(opts.nodeLeaseRenewInterval),
          services: { serviceCidr: opts.serviceClusterIpRange, clusterDns: opts.clusterDns, clusterDomain: opts.clusterDomain, clusterCidr: opts.clusterCidr },
          registryConfig: opts.registryConfig,
          signal: abort.signal,
          log: componentLog(logger),
          progress: (step) => process.stderr.write(`peapod agent: ${step}\n`),
        });
      } catch (e) {
        client.close();
        fail(e instanceof Error ? e.message : String(e));
      }
      const net = agent.network ? `, bridge ${agent.network.bridge}` : '';
      process.stdout.write(`peapod agent: node ${agent.nodeName} ready (runtime ${agent.runtime.version()}, pod CIDR ${agent.podCidr}${net})\n`);
      const stop = async (): Promise<void> => {
        process.stderr.write('peapod agent: shutting down (containers keep running)\n');
        abort.abort();
        await agent.stopped;
        client.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
