import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createSharedNamespaces,
  DEFAULT_SHM_BYTES,
  removeSharedNamespaces,
  sharedNamespacesIn,
  type NetworkPool,
  type PodNetwork,
  type PodNetworkStatus,
} from '../network/index.ts';
import type { Sandbox, SandboxConfig } from './types.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface SandboxManagerOptions {
  /** `<podsDir>/<podUid>/` holds the pod's namespace files, shm and /etc files. */
  podsDir: string;
  network: PodNetwork;
  /** Absolute cgroup path under which `<podUid>/<container>` cgroups are made. */
  cgroupParent: string;
  /** Pre-wired networks for new sandboxes; absent: each sandbox wires its own. */
  pool?: NetworkPool;
}

/** In a pod dir: the id of the pod's network when it is not the pod UID (a pool network). */
const NETWORK_ID_FILE = 'network-id';

/**
 * Pod sandboxes without a pause process: the network, IPC and UTS namespaces are held by nsfs bind
 * mounts, /dev/shm is a per-pod tmpfs, and /etc/hosts, /etc/hostname, /etc/resolv.conf are files
 * bind-mounted into every container. `sandbox.json` marks a complete sandbox (written last).
 */
export class SandboxManager {
  constructor(private readonly opts: SandboxManagerOptions) {}

  podDir(podUid: string): string {
    return join(this.opts.podsDir, podUid);
  }

  async create(config: SandboxConfig): Promise<Sandbox> {
    const existing = await this.get(config.podUid);
    if (existing) return existing;
    const dir = this.podDir(config.podUid);
    const hostname = (config.hostname ?? config.podName).slice(0, 63);
    await mkdir(dir, { recursive: true });
    try {
      const net = await this.#network(config);
      // A pool network comes with the IPC and UTS namespaces and the default /dev/shm made.
      const shmBytes = config.shmSizeBytes ?? DEFAULT_SHM_BYTES;
      const pooled = shmBytes === DEFAULT_SHM_BYTES ? net.shared : undefined;
      const shared = pooled ?? sharedNamespacesIn(dir);
      const sandbox: Sandbox = {
        podUid: config.podUid,
        podName: config.podName,
        namespace: config.namespace,
        hostname,
        ip: net.ip,
        networkId: net.id,
        netnsPath: net.netnsPath,
        ...shared,
        hostsPath: join(dir, 'hosts'),
        resolvConfPath: join(dir, 'resolv.conf'),
        hostnamePath: join(dir, 'hostname'),
        createdAt: new Date().toISOString(),
      };
      // Independent steps, run side by side.
      await Promise.all([
        pooled ? undefined : createSharedNamespaces(shared, shmBytes, hostname),
        writeFile(sandbox.hostsPath, hostsFile(sandbox, config)),
        writeFile(sandbox.hostnamePath, `${hostname}\n`),
        resolvConf(config).then((text) => writeFile(sandbox.resolvConfPath, text)),
      ]);
      await writeFile(join(dir, 'sandbox.json'), JSON.stringify(sandbox, null, 2));
      return sandbox;
    } catch (e) {
      await this.remove(config.podUid).catch(() => undefined);
      throw e;
    }
  }

  /**
   * A pre-wired network from the pool (host ports added), else one wired now under the pod's UID.
   * A pool network's id is written to `network-id` before anything else can fail, so remove()
   * releases it even for a sandbox whose creation broke off.
   */
  async #network(config: SandboxConfig): Promise<PodNetworkStatus> {
    const ports = config.portMappings ?? [];
    const pooled = this.opts.pool?.take();
    if (!pooled) return this.opts.network.setUp(config.podUid, ports);
    await writeFile(join(this.podDir(config.podUid), NETWORK_ID_FILE), pooled.id);
    await this.opts.network.attachPorts(pooled.id, ports);
    return pooled;
  }

  async get(podUid: string): Promise<Sandbox | undefined> {
    const p = join(this.podDir(podUid), 'sandbox.json');
    return existsSync(p) ? (JSON.parse(await readFile(p, 'utf8')) as Sandbox) : undefined;
  }

  async list(): Promise<Sandbox[]> {
    if (!existsSync(this.opts.podsDir)) return [];
    const out: Sandbox[] = [];
    for (const uid of await readdir(this.opts.podsDir)) {
      const s = await this.get(uid);
      if (s) out.push(s);
    }
    return out;
  }

  /** Idempotent; works on partially created sandboxes. */
  async remove(podUid: string): Promise<void> {
    const dir = this.podDir(podUid);
    const networkId = (await readFile(join(dir, NETWORK_ID_FILE), 'utf8').catch(() => '')).trim() || podUid;
    await this.opts.network.tearDown(networkId);
    await removeSharedNamespaces(sharedNamespacesIn(dir));
    await rm(dir, { recursive: true, force: true });
    await removeCgroupTree(join(this.opts.cgroupParent, podUid));
  }
}

/** rmdir a cgroup path (and empty children) in every v1/v2 hierarchy; missing ones are fine. */
export async function removeCgroupTree(cgroupPath: string): Promise<void> {
  if (!existsSync(CGROUP_ROOT)) return;
  const hierarchies = (await readdir(CGROUP_ROOT)).map((h) => join(CGROUP_ROOT, h));
  hierarchies.push(CGROUP_ROOT);
  for (const h of hierarchies) {
    const p = join(h, cgroupPath);
    if (existsSync(p)) await rmdirDeep(p);
  }
}

async function rmdirDeep(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await rmdirDeep(join(dir, e.name));
  await rmdir(dir).catch(() => undefined);
}

function hostsFile(s: Sandbox, config: SandboxConfig): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    `${s.ip}\t${s.hostname}`,
  ];
  for (const alias of config.hostAliases ?? []) lines.push(`${alias.ip}\t${alias.hostnames.join('\t')}`);
  return `${lines.join('\n')}\n`;
}

async function resolvConf(config: SandboxConfig): Promise<string> {
  if (!config.dns) return readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const lines = config.dns.nameservers.map((n) => `nameserver ${n}`);
  if (config.dns.searches?.length) lines.push(`search ${config.dns.searches.join(' ')}`);
  if (config.dns.options?.length) lines.push(`options ${config.dns.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
