import type { ImageConfig } from '../images/index.ts';
import { containerCapabilities } from './capabilities.ts';
import type { ContainerSpec, Sandbox } from './types.ts';
import type { ProcessUser } from './user.ts';

/** The subset of the OCI runtime spec (config.json) Peapod generates. */
export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[]; inheritable: string[]; ambient: string[] };
    rlimits: { type: string; hard: number; soft: number }[];
    noNewPrivileges: boolean;
    oomScoreAdj: number;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: { destination: string; type: string; source: string; options: string[] }[];
  annotations: Record<string, string>;
  linux: {
    cgroupsPath: string;
    namespaces: { type: string; path?: string }[];
    resources: {
      devices: { allow: boolean; access: string }[];
      memory?: { limit: number; swap: number };
      cpu?: { shares?: number; quota?: number; period?: number };
      pids?: { limit: number };
    };
    maskedPaths?: string[];
    readonlyPaths?: string[];
  };
}

export interface OciSpecInput {
  spec: ContainerSpec;
  sandbox: Sandbox;
  image: ImageConfig;
  user: ProcessUser;
  /** Mounted overlay rootfs of this container. */
  rootfsPath: string;
  cgroupsPath: string;
  /** The host's capability bounding set (names); privileged containers get at most this. */
  hostCapabilities: readonly string[];
  /** Hard RLIMIT_NOFILE of the agent; the container's limit never exceeds it. */
  nofileHardLimit: number;
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const CPU_PERIOD_US = 100_000;
const MIN_SHARES = 2;

const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export class InvalidContainerSpecError extends Error {
  override name = 'InvalidContainerSpecError';
}

/**
 * Kubernetes' rule for the process: `command` replaces the image Entrypoint (and drops its Cmd),
 * `args` replaces Cmd.
 */
export function processArgs(spec: Pick<ContainerSpec, 'command' | 'args'>, image: ImageConfig): string[] {
  const entrypoint = spec.command?.length ? spec.command : (image.entrypoint ?? []);
  const cmd = spec.args?.length ? spec.args : spec.command?.length ? [] : (image.cmd ?? []);
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) throw new InvalidContainerSpecError('no command specified');
  return args;
}

/** Image Env, then the container's env (a later name wins), with PATH and HOSTNAME defaults. */
export function processEnv(spec: Pick<ContainerSpec, 'env'>, image: ImageConfig, hostname: string): string[] {
  const merged = new Map<string, string>();
  merged.set('PATH', DEFAULT_PATH.slice(5));
  merged.set('HOSTNAME', hostname);
  for (const kv of image.env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) merged.set(kv.slice(0, i), kv.slice(i + 1));
  }
  for (const e of spec.env ?? []) merged.set(e.name, e.value);
  return [...merged].map(([k, v]) => `${k}=${v}`);
}

/** Kubernetes' CPU conversion: limit → CFS quota over a 100 ms period, request → shares. */
export function cpuResources(limitMilli?: number, requestMilli?: number): { shares: number; quota?: number; period?: number } {
  const request = requestMilli ?? limitMilli;
  const shares = request ? Math.max(MIN_SHARES, Math.floor((request * 1024) / 1000)) : MIN_SHARES;
  if (!limitMilli) return { shares };
  return { shares, quota: Math.max(1000, Math.floor((limitMilli * CPU_PERIOD_US) / 1000)), period: CPU_PERIOD_US };
}

export function buildOciSpec(input: OciSpecInput): OciSpec {
  const { spec, sandbox, image } = input;
  const sec = spec.security ?? {};
  const privileged = sec.privileged === true;
  const caps = containerCapabilities({ privileged, add: sec.capabilities?.add, drop: sec.capabilities?.drop }, input.hostCapabilities);
  const nofile = Math.min(1_048_576, input.nofileHardLimit);
  const res = spec.resources ?? {};
  const resources: OciSpec['linux']['resources'] = {
    devices: [{ allow: privileged, access: 'rwm' }],
    cpu: cpuResources(res.cpuLimitMilli, res.cpuRequestMilli),
  };
  if (res.memoryLimitBytes) resources.memory = { limit: res.memoryLimitBytes, swap: res.memoryLimitBytes };
  if (res.pidsLimit) resources.pids = { limit: res.pidsLimit };

  const oci: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: spec.tty === true,
      user: input.user,
      args: processArgs(spec, image),
      env: processEnv(spec, image, sandbox.hostname),
      cwd: spec.workingDir || image.workingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile }],
      noNewPrivileges: sec.allowPrivilegeEscalation === false,
      oomScoreAdj: Math.min(1000, Math.max(0, Math.round(res.oomScoreAdj ?? 0))),
    },
    root: { path: input.rootfsPath, readonly: sec.readOnlyRootFilesystem === true },
    hostname: sandbox.hostname,
    mounts: mounts(spec, sandbox, privileged),
    annotations: {
      'io.kubernetes.pod.uid': spec.podUid,
      'io.kubernetes.pod.name': sandbox.podName,
      'io.kubernetes.pod.namespace': sandbox.namespace,
      'io.kubernetes.container.name': spec.name,
    },
    linux: {
      cgroupsPath: input.cgroupsPath,
      namespaces: [
        { type: 'network', path: sandbox.netnsPath },
        { type: 'ipc', path: sandbox.ipcnsPath },
        { type: 'uts', path: sandbox.utsnsPath },
        { type: 'mount' },
        { type: 'pid' },
      ],
      resources,
    },
  };
  if (!privileged) {
    oci.linux.maskedPaths = MASKED_PATHS;
    oci.linux.readonlyPaths = READONLY_PATHS;
  }
  return oci;
}

function mounts(spec: ContainerSpec, sandbox: Sandbox, privileged: boolean): OciSpec['mounts'] {
  const ro = privileged ? 'rw' : 'ro';
  const base: OciSpec['mounts'] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'bind', source: sandbox.shmPath, options: ['rbind', 'nosuid', 'nodev', 'noexec', 'rw'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ro] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', ro] },
    { destination: '/etc/hosts', type: 'bind', source: sandbox.hostsPath, options: ['rbind', 'rw'] },
    { destination: '/etc/hostname', type: 'bind', source: sandbox.hostnamePath, options: ['rbind', 'rw'] },
    { destination: '/etc/resolv.conf', type: 'bind', source: sandbox.resolvConfPath, options: ['rbind', 'rw'] },
  ];
  const volumeMounts = (spec.mounts ?? []).map((m) => {
    if (!m.containerPath.startsWith('/')) throw new InvalidContainerSpecError(`mount path ${m.containerPath} must be absolute`);
    return { destination: m.containerPath, type: 'bind', source: m.hostPath, options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'] };
  });
  // A volume mounted over a default path (e.g. /etc/hosts) replaces it, as in Kubernetes.
  const taken = new Set(volumeMounts.map((m) => m.destination));
  return [...base.filter((m) => !taken.has(m.destination)), ...volumeMounts];
}
