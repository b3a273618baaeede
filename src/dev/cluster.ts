// A multi-node cluster on one machine, for development and end-to-end tests: one `peapod server`
// (without its embedded agent) in the root namespaces and N `peapod agent`s, each in its own
// network, PID and mount namespace — a "host". Hosts are wired like a LAN:
//
//   root netns:  bridge ppdc-br0 10.41.0.1/24 (the server listens here)
//                ├─ veth ppdc-h1 ── [netns ppdc-n1] eth0 10.41.0.11, pods 10.42.0.0/24 on bridge ppd0
//                ├─ veth ppdc-h2 ── [netns ppdc-n2] eth0 10.41.0.12, pods 10.42.1.0/24
//                └─ ...
//                route: unreachable <cluster CIDR>   (pod traffic never leaves the machine)
//   in host i:   route <pod CIDR of j> via 10.41.0.(10+j)   for every other host j (host-gw)
//
// Each host's init is catatonit (PID 1 of the host's PID namespace, it reaps the conmons that
// daemonize inside); the agent is its child. SIGKILL of that init makes the kernel kill every
// process of the host — agent, conmons, containers — as a real node death would.
//
// Everything made is named with the prefix `ppdc-` (links, netns, node names and so cgroups
// /peapod/ppdc-*) and the routes carry protocol number ROUTE_PROTO, so `sweepDevCluster` can remove
// what a crashed run left without a record of it. A state file names the owner process so two
// clusters never fight over the same names.
//
// This file starts and stops a cluster; the LAN wiring is lan.ts, process supervision
// processes.ts, the machine slot and state file state-file.ts, removing leftovers sweep.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, copyFileSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Node } from 'kubernetes-types/core/v1.js';
import { createClient, resources, type Client } from '../client/index.ts';
import { startEtcd, type EtcdCluster } from '../storage/etcd/etcd-process.ts';
import { processExists, runCommand } from '../util/index.ts';
import {
  DEFAULT_CLUSTER_CIDR,
  DEFAULT_SERVICE_CIDR,
  DEV_BRIDGE,
  HOST_NET,
  PREFIX,
  SERVER_IP,
  addHostToLan,
  createDevLan,
  netnsPids,
  nodeName,
  nodePodCidr,
  routeHostPodCidrs,
} from './lan.ts';
import { childPid, stopChild, waitForLine, waitUntil } from './processes.ts';
import { LOCK_FILE, STATE_FILE, claimMachine, readState, type StateRecord } from './state-file.ts';
import { sweepDevCluster } from './sweep.ts';

export { DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR, DEV_BRIDGE, HOST_NET, PREFIX, ROUTE_PROTO, SERVER_IP, nodeName, nodePodCidr } from './lan.ts';
export { waitUntil } from './processes.ts';
export { STATE_FILE } from './state-file.ts';
export { sweepDevCluster } from './sweep.ts';

const CATATONIT = '/usr/bin/catatonit';
const ROOT = resolve(import.meta.dirname, '../..');
const PEAPOD = join(ROOT, 'bin/peapod.js');
const OCI_RUNTIMES = ['/usr/sbin/runc', '/usr/bin/crun'];
const MAX_NODES = 200;

export interface DevClusterOptions {
  nodes: number;
  /** Server state in `<dir>/server`, host i in `<dir>/<node name>`. Removed on stop. */
  dataDir: string;
  /**
   * Pod CIDR of the whole cluster, a /16. The default one is the server's: its node IPAM hands out
   * the /24s. Another one is split here, node i getting its i-th /24.
   */
  clusterCidr?: string;
  /**
   * Node-failure profile of the server (`peapod server --profile`): "default" or "fast". The
   * agents learn the lease timing from the server, so this alone sets the whole cluster's.
   */
  profile?: string;
  /** Extra `peapod server` flags. */
  serverArgs?: string[];
  /** etcd members on the dev LAN (0: the server keeps SQLite). */
  etcd?: number;
  /** API servers (more than one needs etcd); each has its own data dir, all share the CA and token. */
  servers?: number;
  /** Extra `peapod agent` flags for every node. */
  agentArgs?: string[];
  /** Progress lines for a user. */
  progress?: (line: string) => void;
  /** Environment of the server and agents (PEAPOD_LOG_LEVEL...). */
  env?: NodeJS.ProcessEnv;
  /**
   * What to do while another live process runs a dev cluster (there can be one per machine):
   * `wait` (the default, for test files the runner starts in parallel) polls until it is gone,
   * at most `waitMs` (default 30 min); `fail` throws at once (the CLI).
   */
  ifRunning?: 'wait' | 'fail';
  waitMs?: number;
}

export interface DevHost {
  index: number;
  nodeName: string;
  netns: string;
  /** The host's address on the dev LAN, also the Node's InternalIP. */
  ip: string;
  podCidr: string;
  dataDir: string;
  logFile: string;
  /** PID (in the root PID namespace) of the host's init; undefined once it is dead. */
  initPid(): number | undefined;
  /** Node death: SIGKILL to the host's init; resolves when every process of the host is gone. */
  kill(): Promise<void>;
}

export interface DevServer {
  url: string;
  pid: number;
  dataDir: string;
  /** Server death: SIGKILL. */
  kill(): Promise<void>;
}

export interface DevCluster {
  /** The first API server's URL (the agents and the kubeconfig use it). */
  url: string;
  servers: DevServer[];
  etcd?: EtcdCluster;
  kubeconfig: string;
  token: string;
  caFile: string;
  dataDir: string;
  hosts: DevHost[];
  /** Kills the hosts and the server and removes everything the cluster made. Idempotent. */
  stop(): Promise<void>;
}

/** Why a dev cluster cannot run here, or false. */
export function devClusterSkipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (network and PID namespaces, real containers)';
  const need = [
    '/usr/bin/nsenter',
    '/usr/bin/conmon',
    '/usr/lib/cni/bridge',
    '/usr/lib/cni/host-local',
    '/usr/lib/cni/loopback',
    '/bin/busybox',
    CATATONIT,
    '/usr/bin/unshare',
  ];
  const missing = need.filter((p) => !existsSync(p));
  if (!OCI_RUNTIMES.some((p) => existsSync(p))) missing.push('runc or crun');
  if (!existsSync('/sbin/ip') && !existsSync('/usr/sbin/ip') && !existsSync('/bin/ip')) missing.push('ip (iproute2)');
  return missing.length ? `needs ${missing.join(', ')}` : false;
}

/**
 * Starts the cluster; resolves when the server and every agent report ready. On failure, what
 * was made is removed before the error is thrown. A dead previous run's leftovers are swept
 * first; a live one makes this throw.
 */
export async function startDevCluster(opts: DevClusterOptions): Promise<DevCluster> {
  const progress = opts.progress ?? (() => undefined);
  if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > MAX_NODES) throw new Error(`--nodes must be 1..${MAX_NODES}`);
  const clusterCidr = opts.clusterCidr ?? DEFAULT_CLUSTER_CIDR;
  nodePodCidr(clusterCidr, 1);
  const dataDir = resolve(opts.dataDir);
  await claimMachine(opts);
  const owner = await readState();
  const swept = await sweepDevCluster({ dataDir: owner?.dataDir });
  if (swept.length) progress(`removed leftovers of a previous run: ${swept.join(', ')}`);
  const state: StateRecord = { pid: process.pid, dataDir };
  await writeFile(STATE_FILE, JSON.stringify(state));
  const env = { ...process.env, ...opts.env };
  const children: ChildProcess[] = [];
  const hosts: DevHost[] = [];
  let etcd: EtcdCluster | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const h of hosts) await h.kill().catch(() => undefined);
    for (const c of children) await stopChild(c);
    await etcd?.close();
    await sweepDevCluster({ dataDir });
    await rm(LOCK_FILE, { force: true });
  };
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    progress(`dev LAN: bridge ${DEV_BRIDGE} ${SERVER_IP}/24, unreachable routes for ${clusterCidr} and ${DEFAULT_SERVICE_CIDR}`);
    await createDevLan(clusterCidr);

    const specs = Array.from({ length: opts.nodes }, (_, k) => {
      const index = k + 1;
      const name = nodeName(index);
      return { index, name, netns: `${PREFIX}n${index}`, veth: `${PREFIX}h${index}`, ip: `${HOST_NET}.${10 + index}`, podCidr: '', dir: join(dataDir, name) };
    });
    for (const s of specs) await addHostToLan(s);

    const serverCount = opts.servers ?? 1;
    if (!Number.isInteger(serverCount) || serverCount < 1 || serverCount > 9) throw new Error('--servers must be 1..9');
    if (opts.etcd !== undefined && (!Number.isInteger(opts.etcd) || opts.etcd < 0 || opts.etcd > 7)) throw new Error('--etcd must be 0..7');
    if (serverCount > 1 && !opts.etcd) throw new Error('--servers above 1 needs --etcd (servers share state through etcd)');
    const serverArgs = [...(opts.profile ? ['--profile', opts.profile] : []), ...(opts.serverArgs ?? [])];
    if (opts.etcd) {
      progress(`starting ${opts.etcd} etcd member(s) on ${SERVER_IP}`);
      etcd = await startEtcd({ members: opts.etcd, host: SERVER_IP, dir: join(dataDir, 'etcd') });
      serverArgs.push('--etcd-servers', etcd.endpoints.join(','));
      progress(`etcd: ${etcd.endpoints.join(' ')}`);
    }
    const servers: DevServer[] = [];
    for (let i = 0; i < serverCount; i++) {
      const dir = join(dataDir, i === 0 ? 'server' : `server-${i + 1}`);
      await mkdir(join(dir, 'pki'), { recursive: true });
      // Servers on one etcd share the CA and the admin token (each makes its own serving cert).
      if (i > 0)
        for (const f of ['pki/ca.crt', 'pki/ca.key', 'pki/sa.key', 'admin.token', 'node-token'])
          if (existsSync(join(dataDir, 'server', f))) copyFileSync(join(dataDir, 'server', f), join(dir, f));
      const log = join(dataDir, i === 0 ? 'server.log' : `server-${i + 1}.log`);
      progress(`starting peapod server ${i + 1}/${serverCount}`);
      const child = spawn(process.execPath, [PEAPOD, 'server', '--data-dir', dir, '--listen', `${SERVER_IP}:0`, '--disable', 'agent', ...serverArgs], {
        stdio: ['ignore', 'pipe', openSync(log, 'a')],
        env,
      });
      children.push(child);
      if (i === 0) state.serverPid = child.pid;
      else state.serverPids = [...(state.serverPids ?? []), child.pid!];
      await writeFile(STATE_FILE, JSON.stringify(state));
      const serverUrl = (await waitForLine(child, /listening on (https:\/\/\S+)/, 60_000, log))[1]!;
      const exited = once(child, 'exit');
      servers.push({
        url: serverUrl,
        pid: child.pid!,
        dataDir: dir,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
      progress(`server ${i + 1} listening on ${serverUrl}`);
    }
    const serverDir = servers[0]!.dataDir;
    const url = servers[0]!.url;
    const token = (await readFile(join(serverDir, 'admin.token'), 'utf8')).trim();
    // Agents join with the join token, as on separate machines; they then act as system:node:<name>.
    const nodeToken = (await readFile(join(serverDir, 'node-token'), 'utf8')).trim();
    const caFile = join(serverDir, 'pki', 'ca.crt');

    // Pod CIDRs: the Nodes are registered before their agents start, so the server's node IPAM
    // (src/controllers/node-ipam, cluster CIDR 10.42.0.0/16) gives each its /24 and the agent,
    // started without --pod-cidr, takes Node.spec.podCIDR. For another cluster CIDR, which the
    // server does not know, the Nodes are registered with the i-th /24 of it.
    const client = createClient({ server: url, token, ca: await readFile(caFile, 'utf8'), userAgent: 'peapod-dev-cluster' });
    try {
      const serverAllocates = clusterCidr === DEFAULT_CLUSTER_CIDR;
      for (const s of specs) {
        const spec = serverAllocates ? {} : { podCIDR: nodePodCidr(clusterCidr, s.index), podCIDRs: [nodePodCidr(clusterCidr, s.index)] };
        await client.create<Node>(resources.nodes, undefined, {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: s.name, labels: { 'kubernetes.io/hostname': s.name } },
          spec,
        });
        // One at a time, so node i gets the i-th free /24.
        s.podCidr = await waitForPodCidr(client, s.name, 30_000);
      }
    } finally {
      client.close();
    }
    await routeHostPodCidrs(specs);
    progress(`${specs.length} hosts: ${specs.map((s) => `${s.name} ${s.ip} pods ${s.podCidr}`).join('; ')}`);

    await Promise.all(
      specs.map(async (s) => {
        await mkdir(s.dir, { recursive: true, mode: 0o700 });
        const logFile = join(s.dir, 'agent.log');
        const logFd = openSync(logFile, 'a');
        // nsenter --net, not `ip netns exec`: the latter mounts a fresh /sys, which hides the cgroup
        // hierarchies under /sys/fs/cgroup from the OCI runtime. unshare: new PID and mount
        // namespaces (mounts private, /proc of the new PID namespace); catatonit: PID 1 that reaps.
        // The token goes by environment so it does not show in `ps`. Every API server is named, so the
        // agent fails over when the one it talks to dies.
        const proc = spawn(
          'nsenter',
          [
            `--net=/run/netns/${s.netns}`,
            'unshare',
            '--pid',
            '--fork',
            '--kill-child',
            '--mount-proc',
            CATATONIT,
            '--',
            process.execPath,
            PEAPOD,
            'agent',
            '--server',
            servers.map((v) => v.url).join(','),
            '--ca-file',
            caFile,
            '--node-name',
            s.name,
            '--data-dir',
            join(s.dir, 'agent'),
            '--node-ip',
            s.ip,
            '--agent-port',
            '10250',
            '--label',
            `peapod.dev/host=${s.netns}`,
            ...(opts.agentArgs ?? []),
          ],
          { stdio: ['ignore', 'pipe', logFd], env: { ...env, PEAPOD_TOKEN: nodeToken } },
        );
        closeSync(logFd);
        children.push(proc);
        const exited = once(proc, 'exit');
        let init: number | undefined;
        const host: DevHost = {
          index: s.index,
          nodeName: s.name,
          netns: s.netns,
          ip: s.ip,
          podCidr: s.podCidr,
          dataDir: s.dir,
          logFile,
          initPid: () => (init !== undefined && processExists(init) ? init : undefined),
          async kill() {
            // The machine's network goes with it: nothing answers on its address any more.
            await runCommand('ip', ['link', 'set', s.veth, 'down'], { allowFailure: true });
            if (init !== undefined && processExists(init)) process.kill(init, 'SIGKILL');
            else if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
            if (proc.exitCode === null && proc.signalCode === null) await exited;
            // The kernel kills the rest of the PID namespace when its init dies; wait until it has.
            await waitUntil(`every process of host ${s.name} to exit`, async () => (await netnsPids(s.netns)).length === 0, 10_000);
          },
        };
        hosts.push(host);
        init = await childPid(proc.pid!, 10_000);
        await waitForLine(proc, / ready \(/, 90_000, logFile);
        progress(`${s.name} ready (host init pid ${init})`);
      }),
    );
    hosts.sort((a, b) => a.index - b.index);
    return { url, servers, etcd, kubeconfig: join(serverDir, 'kubeconfig.yaml'), token, caFile, dataDir, hosts, stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

async function waitForPodCidr(client: Client, name: string, timeoutMs: number): Promise<string> {
  let cidr = '';
  await waitUntil(
    `node ${name} to get a spec.podCIDR (is the controller manager running?)`,
    async () => {
      cidr = (await client.get<Node>(resources.nodes, undefined, name).catch(() => undefined))?.spec?.podCIDR ?? '';
      return cidr !== '';
    },
    timeoutMs,
  );
  if (!cidr) throw new Error(`node ${name} got no spec.podCIDR from the server within ${timeoutMs} ms (is the controller manager running?)`);
  return cidr;
}
