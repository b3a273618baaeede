import { createHash } from 'node:crypto';
import { ImageNotFoundError } from '../images/index.ts';
import type { Clock, TimerHandle } from '../pods/clock.ts';
import { systemClock } from '../pods/clock.ts';
import type { ContainerExitSource } from '../pods/runtime-events.ts';
import type { ContainerInfo, ContainerRuntime, ContainerSpec, ContainerStatus, ExecIO, Sandbox, SandboxConfig } from '../runtime/index.ts';
import { IpPool } from './ip-pool.ts';

/**
 * Knobs read from container labels. The pod workers copy every pod annotation starting with
 * `peapod.dev/hollow-` into the labels, so they are set as pod annotations:
 * - `peapod.dev/hollow-exit-after-seconds`: containers exit this long after starting (0 = at once);
 *   unset = run until stopped.
 * - `peapod.dev/hollow-exit-code`: the exit code then (default 0).
 * - `peapod.dev/hollow-exec-fail-after-seconds`: commands exec'd in the container (exec probes,
 *   exec hooks) exit 1 once it has run this long (0 = always); unset = they exit 0. Simulates
 *   `cat /tmp/health` after the file was removed.
 * Each may be suffixed with `.<container name>` to apply to one container only (wins over the
 * plain key).
 */
export const HOLLOW_EXIT_AFTER = 'peapod.dev/hollow-exit-after-seconds';
export const HOLLOW_EXIT_CODE = 'peapod.dev/hollow-exit-code';
export const HOLLOW_EXEC_FAIL_AFTER = 'peapod.dev/hollow-exec-fail-after-seconds';

export interface HollowRuntimeOptions {
  /** Pod IPs come from this IPv4 CIDR (network and broadcast, and .1 — the gateway — excluded). */
  podCidr: string;
  clock?: Clock;
  /** Which image references exist; default every one. */
  imageExists?: (ref: string) => boolean;
  /** Exit code of a container stopped by signal; default 137 when killed, 143 when it takes TERM. */
  stopExitCode?: number;
}

interface HollowContainer {
  info: ContainerInfo;
  timer?: TimerHandle;
}

/**
 * A ContainerRuntime with no processes (kubemark/KWOK style) for scale tests and root-less
 * integration tests: sandboxes only take an IP from the pod CIDR, containers run as soon as they
 * start and until stopped, or exit when the hollow labels say. State is a few objects per
 * container, so thousands of pods fit in one process. Exits are pushed to onContainerExit
 * listeners (asynchronously), so pod workers need no polling.
 */
export class HollowRuntime implements ContainerRuntime, ContainerExitSource {
  readonly #clock: Clock;
  readonly #ips: IpPool;
  readonly #sandboxes = new Map<string, Sandbox>();
  readonly #containers = new Map<string, HollowContainer>();
  readonly #listeners = new Set<(podUid: string, id: string) => void>();
  readonly #imageExists: (ref: string) => boolean;
  readonly #stopExitCode: number | undefined;
  #seq = 0;

  constructor(opts: HollowRuntimeOptions) {
    this.#clock = opts.clock ?? systemClock;
    this.#ips = new IpPool(opts.podCidr);
    this.#imageExists = opts.imageExists ?? (() => true);
    this.#stopExitCode = opts.stopExitCode;
  }

  version(): string {
    return 'hollow://0.1.0';
  }

  async createSandbox(config: SandboxConfig): Promise<Sandbox> {
    const existing = this.#sandboxes.get(config.podUid);
    if (existing) return existing;
    const ip = this.#ips.allocate();
    const base = `/hollow/pods/${config.podUid}`;
    const sandbox: Sandbox = {
      podUid: config.podUid,
      podName: config.podName,
      namespace: config.namespace,
      hostname: (config.hostname ?? config.podName).slice(0, 63),
      ip,
      netnsPath: `${base}/ns-net`,
      ipcnsPath: `${base}/ns-ipc`,
      utsnsPath: `${base}/ns-uts`,
      shmPath: `${base}/shm`,
      hostsPath: `${base}/hosts`,
      resolvConfPath: `${base}/resolv.conf`,
      hostnamePath: `${base}/hostname`,
      createdAt: this.#iso(),
    };
    this.#sandboxes.set(config.podUid, sandbox);
    return sandbox;
  }

  async removeSandbox(podUid: string): Promise<void> {
    const s = this.#sandboxes.get(podUid);
    if (!s) return;
    this.#ips.free(s.ip);
    this.#sandboxes.delete(podUid);
  }

  async listSandboxes(): Promise<Sandbox[]> {
    return [...this.#sandboxes.values()];
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    if (!this.#sandboxes.has(spec.podUid)) throw new Error(`pod sandbox ${spec.podUid} does not exist`);
    if (!this.#imageExists(spec.image)) throw new ImageNotFoundError(spec.image);
    const id = (++this.#seq).toString(16).padStart(12, '0') + createHash('sha1').update(`${spec.podUid}/${spec.name}/${this.#seq}`).digest('hex').slice(0, 20);
    const status: ContainerStatus = { id, state: 'created', oomKilled: false, createdAt: this.#iso() };
    this.#containers.set(id, {
      info: { id, podUid: spec.podUid, name: spec.name, attempt: spec.attempt ?? 0, image: spec.image, labels: { ...spec.labels }, status },
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.#get(id);
    if (c.info.status.state !== 'created') throw new Error(`container ${id} is not in created state`);
    c.info.status = { ...c.info.status, state: 'running', startedAt: this.#iso() };
    const labels = c.info.labels;
    const name = c.info.name;
    const after = labels[`${HOLLOW_EXIT_AFTER}.${name}`] ?? labels[HOLLOW_EXIT_AFTER];
    if (after === undefined || after === '') return;
    const code = Number(labels[`${HOLLOW_EXIT_CODE}.${name}`] ?? labels[HOLLOW_EXIT_CODE] ?? 0);
    const ms = Math.max(0, Number(after) * 1000);
    if (ms === 0) this.#exit(c, Number.isFinite(code) ? code : 1);
    else c.timer = this.#clock.setTimeout(() => this.#exit(c, Number.isFinite(code) ? code : 1), ms);
  }

  async stopContainer(id: string, _graceSeconds: number, signal?: string): Promise<void> {
    const c = this.#containers.get(id);
    if (!c || c.info.status.state === 'exited') return;
    const killed = signal === 'SIGKILL' || signal === 'KILL';
    this.#exit(c, this.#stopExitCode ?? (killed ? 137 : 143));
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.#containers.get(id);
    if (!c) return;
    c.timer?.cancel();
    this.#containers.delete(id);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.#containers.get(id);
    return c && { ...c.info.status };
  }

  async listContainers(): Promise<ContainerInfo[]> {
    return [...this.#containers.values()].map((c) => ({ ...c.info, labels: { ...c.info.labels }, status: { ...c.info.status } }));
  }

  async exec(id: string, cmd: readonly string[], io: ExecIO): Promise<number> {
    const c = this.#get(id);
    if (c.info.status.state !== 'running') throw new Error(`container ${id} is not running`);
    const failAfter = c.info.labels[`${HOLLOW_EXEC_FAIL_AFTER}.${c.info.name}`] ?? c.info.labels[HOLLOW_EXEC_FAIL_AFTER];
    const ranMs = this.#clock.now() - Date.parse(c.info.status.startedAt ?? c.info.status.createdAt);
    const fails = failAfter !== undefined && failAfter !== '' && ranMs >= Number(failAfter) * 1000;
    if (fails) io.stderr?.write(`${cmd[0] ?? ''}: simulated failure (${HOLLOW_EXEC_FAIL_AFTER})\n`);
    io.stdout?.end?.();
    return fails ? 1 : 0;
  }

  logPath(id: string): string {
    return `/hollow/containers/${id}/ctr.log`;
  }

  onContainerExit(listener: (podUid: string, id: string) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Number of sandboxes holding an IP (for tests and metrics). */
  get sandboxCount(): number {
    return this.#sandboxes.size;
  }

  #exit(c: HollowContainer, exitCode: number): void {
    c.timer?.cancel();
    c.timer = undefined;
    if (c.info.status.state === 'exited') return;
    c.info.status = { ...c.info.status, state: 'exited', exitCode, finishedAt: this.#iso(), startedAt: c.info.status.startedAt ?? this.#iso() };
    const { podUid, id } = c.info;
    queueMicrotask(() => {
      for (const l of this.#listeners) l(podUid, id);
    });
  }

  #get(id: string): HollowContainer {
    const c = this.#containers.get(id);
    if (!c) throw new Error(`container ${id} not found`);
    return c;
  }

  #iso(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}
