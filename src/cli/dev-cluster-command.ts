// `peapod dev cluster`: a server and N agents on this machine, each agent in its own network and
// PID namespace (a "host"), wired with host-gw routes; runs until SIGINT/SIGTERM and then removes
// everything it made. `--cleanup` only removes what a crashed run left. See src/dev/cluster.ts.
import type { Command } from 'commander';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CLUSTER_CIDR, devClusterSkipReason, startDevCluster, sweepDevCluster, type DevCluster } from '../dev/cluster.ts';
import { describeNodeTimers, NODE_TIMER_PROFILES } from './node-timers.ts';

interface DevClusterFlags {
  nodes: string;
  dataDir: string;
  clusterCidr: string;
  profile: string;
  serverArg: string[];
  etcd: string;
  servers: string;
  cleanup?: boolean;
}

function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}

function say(line: string): void {
  process.stderr.write(`peapod dev cluster: ${line}\n`);
}

function fail(message: string): never {
  say(message);
  process.exit(1);
}

export function registerDevClusterCommand(program: Command): void {
  const dev = program.commands.find((c) => c.name() === 'dev') ?? program.command('dev').description('development helpers');
  dev
    .command('cluster')
    .description('run a server and N agents, each in its own network and PID namespace, until interrupted')
    .option('--nodes <n>', 'number of agent hosts', '3')
    .option('--data-dir <dir>', 'state of the server and the hosts (removed on exit)', join(tmpdir(), 'ppdc-cluster'))
    .option(
      '--cluster-cidr <cidr>',
      'pod CIDR of the cluster, a /16 (the default: the server allocates each node a /24 of it; another: node i gets its i-th /24)',
      DEFAULT_CLUSTER_CIDR,
    )
    .option(
      '--profile <name>',
      `node-failure timers of the cluster: "default" (upstream: ${describeNodeTimers(NODE_TIMER_PROFILES.default!)}) or "fast" (${describeNodeTimers(NODE_TIMER_PROFILES.fast!)}); the agents follow the server`,
      'default',
    )
    .option('--server-arg <flag>', 'extra flag for peapod server (repeatable, e.g. --server-arg=--min-request-timeout=60)', collect, [])
    .option('--etcd <n>', 'etcd members on the dev LAN holding the state (0: the server keeps SQLite)', '0')
    .option('--servers <n>', 'API servers sharing the etcd cluster (more than 1 needs --etcd)', '1')
    .option('--cleanup', 'only remove what a previous (crashed) run left, then exit')
    .action(async (opts: DevClusterFlags) => {
      const skip = devClusterSkipReason();
      if (skip) fail(skip);
      if (opts.cleanup) {
        const found = await sweepDevCluster({ dataDir: opts.dataDir }).catch((e: Error) => fail(e.message));
        say(found.length ? `removed: ${found.join(', ')}` : 'nothing to remove');
        return;
      }
      const nodes = Number(opts.nodes);
      let cluster: DevCluster;
      try {
        cluster = await startDevCluster({
          nodes,
          dataDir: opts.dataDir,
          clusterCidr: opts.clusterCidr,
          profile: opts.profile,
          serverArgs: opts.serverArg,
          etcd: Number(opts.etcd),
          servers: Number(opts.servers),
          progress: say,
          ifRunning: 'fail',
        });
      } catch (e) {
        fail(e instanceof Error ? e.message : String(e));
      }
      process.stdout.write(
        `peapod dev cluster: ${cluster.hosts.length} nodes ready, API server ${cluster.url}\n` +
          cluster.hosts
            .map((h) => `  ${h.nodeName}  ip ${h.ip}  pods ${h.podCidr}  netns ${h.netns}  init pid ${h.initPid() ?? '-'}  log ${h.logFile}\n`)
            .join('') +
          cluster.servers.map((s, i) => `  API server ${i + 1}  ${s.url}  pid ${s.pid}  data ${s.dataDir}\n`).join('') +
          (cluster.etcd ? `  etcd  ${cluster.etcd.endpoints.join(' ')}\n` : '') +
          `  export KUBECONFIG=${cluster.kubeconfig}\n` +
          `  kubectl get nodes -o wide\n` +
          `  kill -9 <init pid>   # node death\n` +
          `Ctrl-C stops the cluster and removes everything it made.\n`,
      );
      let stopping = false;
      const stop = async (): Promise<void> => {
        if (stopping) return;
        stopping = true;
        say('stopping: killing hosts and server, removing namespaces, links, routes, cgroups and data');
        await cluster.stop();
        say('done');
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
