import { statfs } from 'node:fs/promises';
import { cpus, hostname, networkInterfaces, release, totalmem, type } from 'node:os';
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1.js';
import { rfc3339 } from '../../api/index.ts';

export const KUBELET_VERSION = 'v1.32.4-peapod';
export const MAX_PODS = 110;

/** What the machine has; read once by readMachineInfo, or made up for hollow nodes. */
export interface MachineInfo {
  cpuCount: number;
  memoryBytes: number;
  /** Size of the filesystem holding the agent's data dir. */
  ephemeralStorageBytes: number;
  kernelVersion: string;
  osImage: string;
  architecture: string;
  machineId: string;
  bootId: string;
}

export async function readMachineInfo(dataDir: string): Promise<MachineInfo> {
  const fs = await statfs(dataDir);
  const { readFile } = await import('node:fs/promises');
  const read = (p: string): Promise<string> =>
    readFile(p, 'utf8').then(
      (s) => s.trim(),
      () => '',
    );
  const osRelease = await read('/etc/os-release');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? type();
  return {
    cpuCount: cpus().length,
    memoryBytes: totalmem(),
    ephemeralStorageBytes: fs.blocks * fs.bsize,
    kernelVersion: release(),
    osImage: pretty,
    architecture: goArch(process.arch),
    machineId: await read('/etc/machine-id'),
    bootId: await read('/proc/sys/kernel/random/boot_id'),
  };
}

function goArch(arch: string): string {
  return arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
}

export interface NodeOptions {
  name: string;
  /** The InternalIP; default the first non-internal IPv4 of the host. */
  ip?: string;
  podCidr?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** `runc://1.1.5`, `crun://1.8.1`, `hollow://0.1.0`. */
  runtimeVersion: string;
  /** Kept back from allocatable (system-reserved + kube-reserved). */
  reserved?: { cpuMilli?: number; memoryBytes?: number };
  /** Port of the agent's HTTPS endpoint (logs/exec). */
  agentPort?: number;
}

export function defaultNodeIp(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** capacity and allocatable as API quantities. */
export function nodeResources(
  m: MachineInfo,
  reserved: NodeOptions['reserved'] = {},
): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  const capacity = {
    cpu: String(m.cpuCount),
    memory: `${Math.floor(m.memoryBytes / 1024)}Ki`,
    pods: String(MAX_PODS),
    'ephemeral-storage': `${Math.floor(m.ephemeralStorageBytes / 1024)}Ki`,
  };
  const cpuMilli = m.cpuCount * 1000 - (reserved.cpuMilli ?? 0);
  const allocatable = {
    ...capacity,
    cpu: cpuMilli % 1000 === 0 ? String(cpuMilli / 1000) : `${cpuMilli}m`,
    memory: `${Math.floor((m.memoryBytes - (reserved.memoryBytes ?? 0)) / 1024)}Ki`,
  };
  return { capacity, allocatable };
}

/** The Node object the agent registers (POST /api/v1/nodes), status included. */
export function buildNode(m: MachineInfo, opts: NodeOptions, now: Date = new Date()): Node {
  const ip = opts.ip ?? defaultNodeIp();
  const { capacity, allocatable } = nodeResources(m, opts.reserved);
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: opts.name,
      labels: {
        'kubernetes.io/hostname': opts.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': m.architecture,
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': m.architecture,
        ...opts.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: {
      ...(opts.podCidr ? { podCIDR: opts.podCidr, podCIDRs: [opts.podCidr] } : {}),
      ...(opts.taints?.length ? { taints: opts.taints } : {}),
    },
    status: {
      capacity,
      allocatable,
      conditions: nodeConditions(healthyPressure(), rfc3339(now), []),
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: opts.name === hostname() ? hostname() : opts.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: opts.agentPort ?? 10250 } },
      nodeInfo: {
        machineID: m.machineId,
        systemUUID: m.machineId,
        bootID: m.bootId,
        kernelVersion: m.kernelVersion,
        osImage: m.osImage,
        containerRuntimeVersion: opts.runtimeVersion,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: m.architecture,
      },
    },
  };
  return node;
}

export interface Pressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
  /** Why the node is not ready, e.g. `container runtime network not ready`; undefined = ready. */
  notReady?: string;
}

export function healthyPressure(): Pressure {
  return { memory: false, disk: false, pid: false };
}

/**
 * The four node conditions with kubelet's reasons and messages. lastHeartbeatTime is `now`;
 * lastTransitionTime is kept from `previous` while the status is unchanged.
 */
export function nodeConditions(p: Pressure, now: string, previous: readonly NodeCondition[]): NodeCondition[] {
  const make = (type: string, status: boolean, reason: string, message: string): NodeCondition => {
    const s = status ? 'True' : 'False';
    const old = previous.find((c) => c.type === type);
    return {
      type,
      status: s,
      lastHeartbeatTime: now,
      lastTransitionTime: old?.status === s && old.lastTransitionTime ? old.lastTransitionTime : now,
      reason,
      message,
    };
  };
  return [
    p.memory
      ? make('MemoryPressure', true, 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available')
      : make('MemoryPressure', false, 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    p.disk
      ? make('DiskPressure', true, 'KubeletHasDiskPressure', 'kubelet has disk pressure')
      : make('DiskPressure', false, 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    p.pid
      ? make('PIDPressure', true, 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available')
      : make('PIDPressure', false, 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    p.notReady === undefined ? make('Ready', true, 'KubeletReady', 'kubelet is posting ready status') : make('Ready', false, 'KubeletNotReady', p.notReady),
  ];
}

/** True when the conditions differ in anything but heartbeat times (kubelet posts on change or every minute). */
export function conditionsChanged(a: readonly NodeCondition[], b: readonly NodeCondition[]): boolean {
  const key = (cs: readonly NodeCondition[]): string => JSON.stringify(cs.map((c) => [c.type, c.status, c.reason, c.message]));
  return key(a) !== key(b);
}
