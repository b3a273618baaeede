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
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, copyFileSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Node } from 'kubernetes-types/core/v1.js';
import { sweep } from '../agent/network/index.ts';
import { runCommand } from '../agent/runtime/command.ts';
import { removeCgroupTree } from '../agent/runtime/sandbox.ts';
import { createClient, resources, type Client } from '../client/index.ts';
import { killEtcdUnder, startEtcd, type EtcdCluster } from '../storage/etcd/etcd-process.ts';
import { processExists } from '../util/index.ts';

export const PREFIX = 'ppdc-';
export const DEV_BRIDGE = `${PREFIX}br0`;
/** The "LAN" of the hosts; the server is .1, host i is .(10+i). */
export const HOST_NET = '10.41.0';
export const SERVER_IP = `${HOST_NET}.1`;
export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';
/** The server's default --service-cluster-ip-range (the agents' default too). */
export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';
/** `ip route ... proto 77`: marks the routes a dev cluster added in the root namespace. */
export const ROUTE_PROTO = '77';
/** Who owns the names above right now (pid, data dir, server pid). */
export const STATE_FILE = '/run/peapod-dev-cluster.json';
const LOCK_FILE = '/run/peapod-dev-cluster.lock';
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

interface StateRecord {
  pid: number;
  dataDir: string;
  serverPid?: number;
  /** Further API servers (--servers N). */
  serverPids?: number[];
}

/** Why a dev cluster cannot run here, or false. */
export function devClusterSkipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (network and PID namespaces, real containers)';
  const need = ['/usr/bin/nsenter', '/usr/bin/conmon', '/usr/lib/cni/bridge', '/usr/lib/cni/host-local', '/usr/lib/cni/loopback', '/bin/busybox', CATATONIT, '/usr/bin/unshare'];
  const missing = need.filter((p) => !existsSync(p));
  if (!OCI_RUNTIMES.some((p) => existsSync(p))) missing.push('runc or crun');
  if (!existsSync('/sbin/ip') && !existsSync('/usr/sbin/ip') && !existsSync('/bin/ip')) missing.push('ip (iproute2)');
  return missing.length ? `needs ${missing.join(', ')}` : false;
}

/** The i-th /24 (1-based) of a /16 cluster CIDR: 10.42.0.0/16, 3 → 10.42.3.0/24. */
export function nodePodCidr(clusterCidr: string, index: number): string {
  const m = /^(\d+)\.(\d+)\.0\.0\/16$/.exec(clusterCidr);
  if (!m) throw new Error(`cluster CIDR must be a /16 like 10.42.0.0/16, got ${clusterCidr}`);
  if (index < 1 || index > 255) throw new Error(`node index ${index} out of range`);
  return `${m[1]}.${m[2]}.${index}.0/24`;
}

export function nodeName(index: number): string {
  return `${PREFIX}node${index}`;
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
    await ip(['link', 'add', DEV_BRIDGE, 'type', 'bridge']);
    await ip(['addr', 'add', `${SERVER_IP}/24`, 'dev', DEV_BRIDGE]);
    await ip(['link', 'set', DEV_BRIDGE, 'up']);
    await ip(['route', 'add', 'unreachable', clusterCidr, 'proto', ROUTE_PROTO]);
    // Service VIPs live only inside the hosts (each agent's nftables): none leaves the machine.
    await ip(['route', 'add', 'unreachable', DEFAULT_SERVICE_CIDR, 'proto', ROUTE_PROTO]).catch(() => undefined);

    const specs = Array.from({ length: opts.nodes }, (_, k) => {
      const index = k + 1;
      const name = nodeName(index);
      return { index, name, netns: `${PREFIX}n${index}`, veth: `${PREFIX}h${index}`, ip: `${HOST_NET}.${10 + index}`, podCidr: '', dir: join(dataDir, name) };
    });
    for (const s of specs) {
      await ip(['netns', 'add', s.netns]);
      await ip(['link', 'add', s.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', s.netns]);
      await ip(['link', 'set', s.veth, 'master', DEV_BRIDGE, 'up']);
      await ip(['-n', s.netns, 'link', 'set', 'lo', 'up']);
      await ip(['-n', s.netns, 'addr', 'add', `${s.ip}/24`, 'dev', 'eth0']);
      await ip(['-n', s.netns, 'link', 'set', 'eth0', 'up']);
      // The host routes pods' traffic to other hosts (the bridge plugin would set this only at the first pod).
      await runCommand('ip', ['netns', 'exec', s.netns, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
    }

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
      if (i > 0) for (const f of ['pki/ca.crt', 'pki/ca.key', 'pki/sa.key', 'admin.token', 'node-token']) if (existsSync(join(dataDir, 'server', f))) copyFileSync(join(dataDir, 'server', f), join(dir, f));
      const log = join(dataDir, i === 0 ? 'server.log' : `server-${i + 1}.log`);
      progress(`starting peapod server ${i + 1}/${serverCount}`);
      const child = spawn(process.execPath, [PEAPOD, 'server', '--data-dir', dir, '--listen', `${SERVER_IP}:0`, '--disable', 'agent', ...serverArgs], {
        stdio: ['ignore', 'pipe', openSync(log, 'a')], env,
      });
      children.push(child);
      if (i === 0) state.serverPid = child.pid;
      else state.serverPids = [...(state.serverPids ?? []), child.pid!];
      await writeFile(STATE_FILE, JSON.stringify(state));
      const serverUrl = (await waitForLine(child, /listening on (https:\/\/\S+)/, 60_000, log))[1]!;
      const exited = once(child, 'exit');
      servers.push({
        url: serverUrl, pid: child.pid!, dataDir: dir,
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
        await client.create<Node>(resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: s.name, labels: { 'kubernetes.io/hostname': s.name } }, spec });
        // One at a time, so node i gets the i-th free /24.
        s.podCidr = await waitForPodCidr(client, s.name, 30_000);
      }
    } finally {
      client.close();
    }
    // host-gw: every host routes the other hosts' pod CIDRs to their addresses on the dev LAN.
    for (const s of specs) {
      for (const other of specs) {
        if (other !== s) await ip(['-n', s.netns, 'route', 'add', other.podCidr, 'via', other.ip, 'dev', 'eth0']);
      }
    }
    progress(`${specs.length} hosts: ${specs.map((s) => `${s.name} ${s.ip} pods ${s.podCidr}`).join('; ')}`);

    await Promise.all(specs.map(async (s) => {
      await mkdir(s.dir, { recursive: true, mode: 0o700 });
      const logFile = join(s.dir, 'agent.log');
      const logFd = openSync(logFile, 'a');
      // nsenter --net, not `ip netns exec`: the latter mounts a fresh /sys, which hides the cgroup
      // hierarchies under /sys/fs/cgroup from the OCI runtime. unshare: new PID and mount
      // namespaces (mounts private, /proc of the new PID namespace); catatonit: PID 1 that reaps.
      // The token goes by environment so it does not show in `ps`. Every API server is named, so the
      // agent fails over when the one it talks to dies.
      const proc = spawn('nsenter', [
        `--net=/run/netns/${s.netns}`, 'unshare', '--pid', '--fork', '--kill-child', '--mount-proc', CATATONIT, '--',
        process.execPath, PEAPOD, 'agent', '--server', servers.map((v) => v.url).join(','), '--ca-file', caFile, '--node-name', s.name,
        '--data-dir', join(s.dir, 'agent'), '--node-ip', s.ip, '--agent-port', '10250',
        '--label', `peapod.dev/host=${s.netns}`, ...(opts.agentArgs ?? []),
      ], { stdio: ['ignore', 'pipe', logFd], env: { ...env, PEAPOD_TOKEN: nodeToken } });
      closeSync(logFd);
      children.push(proc);
      const exited = once(proc, 'exit');
      let init: number | undefined;
      const host: DevHost = {
        index: s.index, nodeName: s.name, netns: s.netns, ip: s.ip, podCidr: s.podCidr, dataDir: s.dir, logFile,
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
    }));
    hosts.sort((a, b) => a.index - b.index);
    return { url, servers, etcd, kubeconfig: join(serverDir, 'kubeconfig.yaml'), token, caFile, dataDir, hosts, stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

/**
 * Removes everything a dev cluster makes: processes in `ppdc-*` netns (hosts) and the recorded
 * server, containers' runtime state, mounts under the data dir, `ppdc-*` netns and links, routes
 * with ROUTE_PROTO, cgroups /peapod/ppdc-*, the data dir and the state file. Never touches a live
 * owner's cluster (other than the caller's own). Returns what it found, for a message.
 */
export async function sweepDevCluster(opts: { dataDir?: string } = {}): Promise<string[]> {
  const found: string[] = [];
  // A process that outlives SIGKILL is reported after the rest is removed, not ignored.
  const problems: string[] = [];
  const owner = await readState();
  if (owner && owner.pid !== process.pid && processExists(owner.pid)) throw new Error(`a dev cluster is running (pid ${owner.pid}); stop it first`);
  const namespaces = (await runCommand('ip', ['netns', 'list'], { allowFailure: true })).stdout
    .split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(PREFIX));
  for (const ns of namespaces) {
    const pids = await netnsPids(ns);
    for (const pid of pids) killQuietly(pid);
    if (pids.length) await waitUntil(`every process in netns ${ns} to exit`, async () => (await netnsPids(ns)).length === 0, 10_000).catch((e: Error) => problems.push(e.message));
  }
  for (const pid of [owner?.serverPid ?? 0, ...(owner?.serverPids ?? [])]) {
    if (!pid || !isPeapodServer(pid)) continue;
    found.push(`server pid ${pid}`);
    killQuietly(pid);
    await waitUntil(`server pid ${pid} to exit`, async () => !processExists(pid), 10_000).catch((e: Error) => problems.push(e.message));
  }
  const dataDirs = [...new Set([opts.dataDir, owner?.dataDir].filter((d): d is string => !!d))];
  for (const dir of dataDirs) {
    const etcdPids = killEtcdUnder(join(dir, 'etcd'));
    if (etcdPids.length) found.push(`etcd pids ${etcdPids.join(' ')}`);
    for (const node of await readdir(dir).catch(() => [])) {
      if (!node.startsWith(PREFIX)) continue;
      const runtimeRoot = join(dir, node, 'agent', 'rt', 'runtime');
      for (const id of await readdir(runtimeRoot).catch(() => [])) {
        for (const rt of OCI_RUNTIMES.filter((p) => existsSync(p))) await runCommand(rt, ['--root', runtimeRoot, 'delete', '--force', id], { allowFailure: true });
      }
    }
    if (existsSync(dir)) found.push(dir);
    await sweep({ pathPrefix: dir });
  }
  for (const ns of namespaces) {
    found.push(`netns ${ns}`);
    await runCommand('ip', ['netns', 'del', ns], { allowFailure: true });
  }
  const links = (await runCommand('ip', ['-o', 'link', 'show'], { allowFailure: true })).stdout
    .split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '').filter((n) => n.startsWith(PREFIX));
  for (const l of links) {
    found.push(`link ${l}`);
    await runCommand('ip', ['link', 'del', l], { allowFailure: true });
  }
  const routes = (await runCommand('ip', ['-4', 'route', 'show', 'proto', ROUTE_PROTO], { allowFailure: true })).stdout.split('\n').filter(Boolean);
  for (const r of routes) {
    found.push(`route ${r.trim()}`);
    await runCommand('ip', ['route', 'del', ...r.trim().split(/\s+/), 'proto', ROUTE_PROTO], { allowFailure: true });
  }
  for (const cg of await devCgroups()) {
    found.push(`cgroup /peapod/${cg}`);
    await removeCgroupTree(`/peapod/${cg}`);
  }
  await rm(STATE_FILE, { force: true });
  if (problems.length) throw new Error(`dev cluster sweep incomplete: ${problems.join('; ')}`);
  return found;
}

/** Names under /peapod in any cgroup hierarchy that a dev cluster's nodes own. */
async function devCgroups(): Promise<string[]> {
  const names = new Set<string>();
  const root = '/sys/fs/cgroup';
  const hierarchies = [root, ...(await readdir(root).catch(() => [])).map((h) => join(root, h))];
  for (const h of hierarchies) {
    for (const n of await readdir(join(h, 'peapod')).catch(() => [])) if (n.startsWith(PREFIX)) names.add(n);
  }
  return [...names];
}

async function ip(args: string[]): Promise<void> {
  await runCommand('ip', args);
}

async function netnsPids(ns: string): Promise<number[]> {
  const { stdout } = await runCommand('ip', ['netns', 'pids', ns], { allowFailure: true });
  return stdout.split('\n').map((l) => Number(l.trim())).filter((n) => Number.isInteger(n) && n > 0);
}

async function waitForPodCidr(client: Client, name: string, timeoutMs: number): Promise<string> {
  let cidr = '';
  await waitUntil(`node ${name} to get a spec.podCIDR (is the controller manager running?)`, async () => {
    cidr = (await client.get<Node>(resources.nodes, undefined, name).catch(() => undefined))?.spec?.podCIDR ?? '';
    return cidr !== '';
  }, timeoutMs);
  if (!cidr) throw new Error(`node ${name} got no spec.podCIDR from the server within ${timeoutMs} ms (is the controller manager running?)`);
  return cidr;
}

/** The first child of `pid` (unshare --fork's child: the host's init), polled until it exists. */
async function childPid(pid: number, timeoutMs: number): Promise<number> {
  let child: number | undefined;
  await waitUntil(`the host init of pid ${pid} to appear`, async () => {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
    child = Number(text.trim().split(/\s+/)[0]) || undefined;
    return child !== undefined;
  }, timeoutMs);
  if (child === undefined) throw new Error(`host init of pid ${pid} did not appear`);
  return child;
}

function waitForLine(proc: ChildProcess, re: RegExp, timeoutMs: number, logFile: string): Promise<RegExpExecArray> {
  return new Promise((resolveLine, reject) => {
    let out = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      const log = readFileSync(logFile, 'utf8').slice(-3000);
      reject(new Error(`${why}; last output:\n${out}\n${log}`));
    };
    const timer = setTimeout(() => fail(`no ${re} within ${timeoutMs} ms`), timeoutMs);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.removeListener('exit', onExit);
        resolveLine(m);
      }
    });
    const onExit = (code: number | null): void => fail(`exited with ${code}`);
    proc.once('exit', onExit);
  });
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = once(c, 'exit');
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Polls `ok` every 50 ms; throws naming `what` when it is still false after `timeoutMs`. */
export async function waitUntil(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Takes the machine's one dev-cluster slot: an exclusive lock file naming this process, created
 * atomically so two processes starting at once cannot both win; a lock whose process is dead is
 * stale and removed. Re-entrant for the process that holds it (one test file, several clusters).
 */
async function claimMachine(opts: Pick<DevClusterOptions, 'ifRunning' | 'waitMs'>): Promise<void> {
  const end = Date.now() + (opts.waitMs ?? 30 * 60_000);
  for (;;) {
    try {
      await writeFile(LOCK_FILE, String(process.pid), { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(await readFile(LOCK_FILE, 'utf8').catch(() => '0'));
    if (holder === process.pid) return;
    if (!holder || !processExists(holder)) {
      await rm(LOCK_FILE, { force: true });
      continue;
    }
    if (opts.ifRunning === 'fail' || Date.now() > end) {
      const owner = await readState();
      throw new Error(`a dev cluster is already running (pid ${holder}${owner ? `, data dir ${owner.dataDir}` : ''})`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function readState(): Promise<StateRecord | undefined> {
  try {
    return JSON.parse(await readFile(STATE_FILE, 'utf8')) as StateRecord;
  } catch {
    return undefined;
  }
}


function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Guards the recorded server pid against reuse by an unrelated process. */
function isPeapodServer(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('peapod') && cmd.includes('\0server\0');
  } catch {
    return false;
  }
}
