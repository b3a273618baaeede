import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../util/command.ts';
import {
  createNamespaceFile,
  createSharedNamespaces,
  removeNamespaceFile,
  removeSharedNamespaces,
  sharedNamespacesIn,
  type SharedNamespaces,
} from './netns.ts';

export interface PodNetworkOptions {
  /** Per-agent state: `netns/<pod>`, `results/<pod>.json`, `ipam/`, `shared/<pool id>/`. */
  stateDir: string;
  /** Linux bridge name (≤ 15 chars), unique per agent on one machine. */
  bridge: string;
  /** The node's pod /24, e.g. `10.42.0.0/24`; the gateway is its `.1`. */
  subnet: string;
  cniPath?: string;
  /** CNI network name; defaults to `peapod-<bridge>`. */
  networkName?: string;
}

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

export interface PodNetworkStatus {
  /** The network's own id: its netns file name and CNI container id (the pod UID, or a pool id). */
  id: string;
  netnsPath: string;
  ip: string;
  gateway: string;
  prefixLength: number;
  /** A pool network's pre-made IPC and UTS namespaces and /dev/shm (see prepareShared). */
  shared?: SharedNamespaces;
}

interface SavedResult {
  bridge: unknown;
  portMappings: PortMapping[];
}

/**
 * Pod networking through the standard CNI plugins, called directly: loopback, bridge with
 * host-local IPAM, and portmap for hostPorts. One instance per agent. `setUp` and `tearDown` for one
 * pod must not overlap (the pod worker serialises them); different pods may run concurrently.
 */
export class PodNetwork {
  readonly opts: Required<PodNetworkOptions>;

  constructor(opts: PodNetworkOptions) {
    if (opts.bridge.length > 15) throw new Error(`bridge name ${opts.bridge} is longer than 15 characters`);
    this.opts = { cniPath: '/usr/lib/cni', networkName: `peapod-${opts.bridge}`, ...opts };
  }

  netnsPath(podId: string): string {
    return join(this.opts.stateDir, 'netns', podId);
  }

  gateway(): string {
    const [base] = this.opts.subnet.split('/') as [string];
    const parts = base.split('.');
    parts[3] = '1';
    return parts.join('.');
  }

  /** Creates the pod's netns and wires it; on failure undoes what it did and rethrows. */
  async setUp(podId: string, portMappings: PortMapping[] = []): Promise<PodNetworkStatus> {
    const netns = this.netnsPath(podId);
    await createNamespaceFile(netns, 'net');
    try {
      await this.#plugin('loopback', 'ADD', podId, netns, 'lo', { cniVersion: '1.0.0', name: `${this.opts.networkName}-lo`, type: 'loopback' });
      const bridge = await this.#plugin('bridge', 'ADD', podId, netns, 'eth0', this.#bridgeConfig());
      await this.#save(podId, { bridge, portMappings });
      if (portMappings.length > 0) {
        await this.#plugin('portmap', 'ADD', podId, netns, 'eth0', this.#portmapConfig(portMappings, bridge));
      }
      const ip = firstAddress(bridge);
      return { id: podId, netnsPath: netns, ip: ip.address, prefixLength: ip.prefixLength, gateway: this.gateway() };
    } catch (e) {
      await this.tearDown(podId).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Adds host ports to a network made without them (a pre-wired one from the pool). On failure
   * the caller tears the network down.
   */
  async attachPorts(id: string, portMappings: PortMapping[]): Promise<void> {
    if (portMappings.length === 0) return;
    const saved = await this.#load(id);
    if (!saved) throw new Error(`network ${id} has no CNI result`);
    await this.#save(id, { ...saved, portMappings });
    await this.#plugin('portmap', 'ADD', id, this.netnsPath(id), 'eth0', this.#portmapConfig(portMappings, saved.bridge));
  }

  /**
   * tearDown for a network without host ports, synchronously (agent shutdown runs inside an abort
   * listener and the process may exit right after). Idempotent.
   */
  tearDownSync(id: string): void {
    const netns = this.netnsPath(id);
    const env = {
      ...process.env,
      CNI_COMMAND: 'DEL',
      CNI_CONTAINERID: id,
      CNI_NETNS: existsSync(netns) ? netns : '',
      CNI_IFNAME: 'eth0',
      CNI_PATH: this.opts.cniPath,
    };
    spawnSync(join(this.opts.cniPath, 'bridge'), [], { input: JSON.stringify(this.#bridgeConfig()), env, stdio: ['pipe', 'ignore', 'ignore'] });
    spawnSync('umount', ['-l', netns], { stdio: 'ignore' });
    rmSync(netns, { force: true });
    const shared = this.#sharedDir(id);
    if (existsSync(shared)) {
      for (const path of Object.values(sharedNamespacesIn(shared))) spawnSync('umount', ['-l', path], { stdio: 'ignore' });
      rmSync(shared, { recursive: true, force: true });
    }
    rmSync(this.#resultPath(id), { force: true });
  }

  /**
   * A pool network's other shared namespaces, made with it ahead of any pod: IPC and UTS namespace
   * files (one unshare; no hostname: the OCI runtime sets the spec's hostname in the joined UTS
   * namespace when it creates each container) and a /dev/shm tmpfs, under `shared/<id>/`. With
   * them a new pod's sandbox starts no process at all. tearDown(id) removes them.
   */
  async prepareShared(id: string, shmBytes: number): Promise<SharedNamespaces> {
    const shared = sharedNamespacesIn(this.#sharedDir(id));
    await createSharedNamespaces(shared, shmBytes);
    return shared;
  }

  #sharedDir(id: string): string {
    return join(this.opts.stateDir, 'shared', id);
  }

  async #removeShared(id: string): Promise<void> {
    const dir = this.#sharedDir(id);
    if (!existsSync(dir)) return;
    await removeSharedNamespaces(sharedNamespacesIn(dir));
    await rm(dir, { recursive: true, force: true });
  }

  /** Releases the pod's IP, host ports, netns and (a pool network's) shared namespaces. Idempotent; safe after a partial setUp. */
  async tearDown(podId: string): Promise<void> {
    await this.#removeShared(podId);
    const netns = this.netnsPath(podId);
    const nsArg = existsSync(netns) ? netns : '';
    const saved = await this.#load(podId);
    if (saved && saved.portMappings.length > 0) {
      await this.#plugin('portmap', 'DEL', podId, nsArg, 'eth0', this.#portmapConfig(saved.portMappings, saved.bridge));
    }
    await this.#plugin('bridge', 'DEL', podId, nsArg, 'eth0', this.#bridgeConfig());
    await removeNamespaceFile(netns);
    await rm(this.#resultPath(podId), { force: true });
  }

  /** Pods with a live network on this agent (for adoption). */
  async listPods(): Promise<string[]> {
    const dir = join(this.opts.stateDir, 'results');
    if (!existsSync(dir)) return [];
    return (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  }

  /** Tears down every pod and deletes the bridge and the state dir (agent decommission, tests). */
  async destroy(): Promise<void> {
    for (const pod of await this.listPods()) await this.tearDown(pod).catch(() => undefined);
    await runCommand('ip', ['link', 'del', this.opts.bridge], { allowFailure: true });
    await rm(this.opts.stateDir, { recursive: true, force: true });
  }

  #bridgeConfig(): object {
    return {
      cniVersion: '1.0.0',
      name: this.opts.networkName,
      type: 'bridge',
      bridge: this.opts.bridge,
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
      ipam: {
        type: 'host-local',
        ranges: [[{ subnet: this.opts.subnet, gateway: this.gateway() }]],
        routes: [{ dst: '0.0.0.0/0' }],
        dataDir: join(this.opts.stateDir, 'ipam'),
      },
    };
  }

  #portmapConfig(portMappings: PortMapping[], prevResult: unknown): object {
    return {
      cniVersion: '1.0.0',
      name: this.opts.networkName,
      type: 'portmap',
      capabilities: { portMappings: true },
      snat: true,
      runtimeConfig: { portMappings: portMappings.map((p) => ({ ...p, protocol: p.protocol.toLowerCase() })) },
      prevResult,
    };
  }

  async #plugin(type: string, command: 'ADD' | 'DEL', podId: string, netns: string, ifname: string, config: object): Promise<unknown> {
    const env = {
      ...process.env,
      CNI_COMMAND: command,
      CNI_CONTAINERID: podId,
      CNI_NETNS: netns,
      CNI_IFNAME: ifname,
      CNI_PATH: this.opts.cniPath,
    };
    const res = await runCommand(join(this.opts.cniPath, type), [], { input: JSON.stringify(config), env, allowFailure: true });
    if (res.code !== 0) throw new Error(`CNI ${type} ${command} for ${podId} failed: ${res.stdout.trim() || res.stderr.trim()}`);
    return res.stdout.trim() ? (JSON.parse(res.stdout) as unknown) : {};
  }

  #resultPath(podId: string): string {
    return join(this.opts.stateDir, 'results', `${podId}.json`);
  }

  async #save(podId: string, saved: SavedResult): Promise<void> {
    await mkdir(join(this.opts.stateDir, 'results'), { recursive: true });
    await writeFile(this.#resultPath(podId), JSON.stringify(saved));
  }

  async #load(podId: string): Promise<SavedResult | undefined> {
    const p = this.#resultPath(podId);
    return existsSync(p) ? (JSON.parse(await readFile(p, 'utf8')) as SavedResult) : undefined;
  }
}

function firstAddress(result: unknown): { address: string; prefixLength: number } {
  const ips = (result as { ips?: { address?: unknown }[] }).ips;
  const cidr = ips?.[0]?.address;
  if (typeof cidr !== 'string') throw new Error(`CNI bridge returned no IP: ${JSON.stringify(result)}`);
  const [address, len] = cidr.split('/') as [string, string | undefined];
  return { address, prefixLength: Number(len ?? 32) };
}
