import type { Readable, Writable } from 'node:stream';
import type { PortMapping } from '../network/index.ts';

export type { PortMapping };

/**
 * The node agent's view of a container runtime: pod sandboxes (shared network/IPC/UTS namespaces,
 * /dev/shm) and containers that join them. Implemented by the conmon runtime (real processes) and
 * the hollow runtime (src/agent/hollow: simulated, no processes). Inputs are already resolved from the pod spec by the pod
 * worker (env expanded, volumes prepared, quantities converted); the runtime knows no Kubernetes.
 *
 * Contracts:
 * - Calls for one pod come from its pod worker: sandbox calls never overlap other calls of that
 *   pod, but the pod's regular containers are created and started concurrently (each container's
 *   own calls stay in order); calls for different pods may overlap.
 * - Every remove* is idempotent: removing something already gone succeeds.
 * - Expected outcomes are values (ContainerStatus); a throw means an I/O failure or a bad input.
 */
export interface ContainerRuntime {
  /** `runc://1.1.5` or `crun://1.8.1`, as reported in nodeInfo.containerRuntimeVersion. */
  version(): string;
  createSandbox(config: SandboxConfig): Promise<Sandbox>;
  /** Stops nothing: the caller stops and removes the pod's containers first. Releases the IP. */
  removeSandbox(podUid: string): Promise<void>;
  /** Sandboxes found on disk, for adoption after an agent restart. */
  listSandboxes(): Promise<Sandbox[]>;
  /** Creates (but does not start) a container; returns its runtime id. */
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /**
   * Sends `signal` (default the image's stop signal, else SIGTERM), waits up to graceSeconds for
   * the process to exit, then SIGKILL. Resolves when the container has exited.
   */
  stopContainer(id: string, graceSeconds: number, signal?: string): Promise<void>;
  /** Kills if still running, deletes runtime state, unmounts the rootfs. Keeps nothing but the log. */
  removeContainer(id: string): Promise<void>;
  /** Undefined when the runtime does not know the id. */
  containerStatus(id: string): Promise<ContainerStatus | undefined>;
  /** Every container under this runtime's root, running or not (adoption after restart). */
  listContainers(): Promise<ContainerInfo[]>;
  /** Runs a command in a running container; resolves with its exit code once it ends. */
  exec(id: string, cmd: readonly string[], io: ExecIO): Promise<number>;
  /** CRI k8s-file format log of the container's stdout/stderr. */
  logPath(id: string): string;
}

export interface SandboxConfig {
  podUid: string;
  podName: string;
  namespace: string;
  /** Defaults to podName. */
  hostname?: string;
  portMappings?: PortMapping[];
  /** Size of the pod's shared /dev/shm tmpfs; default 64 MiB as in Docker. */
  shmSizeBytes?: number;
  /** Written into the pod's /etc/hosts in addition to localhost and the pod's own name. */
  hostAliases?: { ip: string; hostnames: string[] }[];
  dns?: { nameservers: string[]; searches?: string[]; options?: string[] };
}

export interface Sandbox {
  podUid: string;
  podName: string;
  namespace: string;
  hostname: string;
  ip: string;
  /** The pod network's id (netns name, CNI container id): a pool id, or absent = the pod UID. */
  networkId?: string;
  netnsPath: string;
  ipcnsPath: string;
  utsnsPath: string;
  /** The pod's shared tmpfs mounted at /dev/shm in every container. */
  shmPath: string;
  hostsPath: string;
  resolvConfPath: string;
  hostnamePath: string;
  createdAt: string;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readOnly?: boolean;
}

export interface ContainerResources {
  memoryLimitBytes?: number;
  /** millicores; limit → CFS quota, request → shares (Kubernetes' conversion). */
  cpuLimitMilli?: number;
  cpuRequestMilli?: number;
  pidsLimit?: number;
  /** From the QoS class; clamped to 0..1000 (this host cannot lower it below 0). */
  oomScoreAdj?: number;
}

export interface ContainerSecurity {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  allowPrivilegeEscalation?: boolean;
}

export interface ContainerSpec {
  podUid: string;
  /** Container name within the pod. */
  name: string;
  /** Which start of this container this is (restartCount); kept for adoption. */
  attempt?: number;
  image: string;
  /** Kubernetes `command` (replaces the image Entrypoint) and `args` (replaces Cmd). */
  command?: string[];
  args?: string[];
  /** Final env (already expanded); merged over the image's Env. */
  env?: { name: string; value: string }[];
  workingDir?: string;
  mounts?: Mount[];
  resources?: ContainerResources;
  security?: ContainerSecurity;
  tty?: boolean;
  stdin?: boolean;
  /** Opaque labels kept with the container and returned by listContainers. */
  labels?: Record<string, string>;
}

export type ContainerState = 'created' | 'running' | 'exited';

export interface ContainerStatus {
  id: string;
  state: ContainerState;
  pid?: number;
  exitCode?: number;
  oomKilled: boolean;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface ContainerInfo {
  id: string;
  podUid: string;
  name: string;
  attempt: number;
  image: string;
  labels: Record<string, string>;
  status: ContainerStatus;
}

export interface ExecIO {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** With a tty stdout carries both streams and stderr is unused. */
  tty?: boolean;
  signal?: AbortSignal;
}
