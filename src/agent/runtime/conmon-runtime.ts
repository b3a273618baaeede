import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mountRootfs, unmountRootfs, type ImageStore } from '../images/index.ts';
import type { NetworkPool, PodNetwork } from '../network/index.ts';
import { runCommand, type CommandResult } from '../../util/command.ts';
import { launchConmon } from './conmon.ts';
import { execInContainer } from './exec.ts';
import { hostCapabilities, nofileHardLimit } from './host-limits.ts';
import { buildOciSpec } from './oci-spec.ts';
import { SandboxManager } from './sandbox.ts';
import { selectOciRuntime, type OciRuntimeBinary, type OciRuntimePreference } from './select-runtime.ts';
import type { ContainerInfo, ContainerRuntime, ContainerSpec, ContainerStatus, ExecIO, Sandbox, SandboxConfig } from './types.ts';
import { readUserFiles, resolveUser } from './user.ts';
import { processExists } from '../../util/index.ts';

export interface ConmonRuntimeOptions {
  /** Per-agent state root: runtime state, exit files, bundles, pod dirs, logs. */
  root: string;
  images: ImageStore;
  network: PodNetwork;
  /** Pre-wired pod networks that new sandboxes take (the caller fills it and closes it). */
  pool?: NetworkPool;
  /** `auto` (default) uses crun where the host's cgroup layout allows it, else runc. */
  ociRuntime?: OciRuntimePreference;
  /** Absolute cgroup parent; containers go to `<parent>/<podUid>/<containerId>`. Default `/peapod`. */
  cgroupParent?: string;
  conmonPath?: string;
  logSizeMax?: number;
  /** Poll interval while waiting for a container to exit. */
  pollMs?: number;
}

interface ContainerMeta {
  id: string;
  podUid: string;
  name: string;
  attempt: number;
  image: string;
  labels: Record<string, string>;
  stopSignal?: string;
  createdAt: string;
}

const ID_BYTES = 8;

/**
 * The real runtime: one conmon per container supervising runc (or crun). All state lives on disk
 * under `root`, so a new instance on the same root (after an agent restart) sees the same pods and
 * containers: conmon keeps running and writes the exit code to `<container>/persist/exit`.
 *
 * Layout: runtime/ (runc --root), exits/, sock/ (conmon), pods/<uid>/, containers/<id>/
 * { config.json, meta.json, rootfs/ upper/ work/ (overlay), persist/{exit,oom}, ctr.log,
 * pidfile, started }.
 */
export class ConmonRuntime implements ContainerRuntime {
  readonly #o: Required<Omit<ConmonRuntimeOptions, 'ociRuntime' | 'pool'>>;
  readonly #oci: OciRuntimeBinary;
  readonly #sandboxes: SandboxManager;
  readonly #hostCaps = hostCapabilities();
  readonly #nofile = nofileHardLimit();

  private constructor(opts: ConmonRuntimeOptions, oci: OciRuntimeBinary) {
    this.#o = { cgroupParent: '/peapod', conmonPath: '/usr/bin/conmon', logSizeMax: 10 * 1024 * 1024, pollMs: 20, ...opts };
    this.#oci = oci;
    this.#sandboxes = new SandboxManager({ podsDir: join(opts.root, 'pods'), network: opts.network, pool: opts.pool, cgroupParent: this.#o.cgroupParent });
  }

  static async create(opts: ConmonRuntimeOptions): Promise<ConmonRuntime> {
    const oci = await selectOciRuntime(opts.ociRuntime ?? 'auto', opts.root);
    for (const d of ['runtime', 'exits', 'sock', 'pods', 'containers']) await mkdir(join(opts.root, d), { recursive: true });
    return new ConmonRuntime(opts, oci);
  }

  get ociRuntime(): OciRuntimeBinary {
    return this.#oci;
  }

  version(): string {
    return `${this.#oci.name}://${this.#oci.version}`;
  }

  createSandbox(config: SandboxConfig): Promise<Sandbox> {
    return this.#sandboxes.create(config);
  }

  removeSandbox(podUid: string): Promise<void> {
    return this.#sandboxes.remove(podUid);
  }

  listSandboxes(): Promise<Sandbox[]> {
    return this.#sandboxes.list();
  }

  logPath(id: string): string {
    return join(this.#dir(id), 'ctr.log');
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const sandbox = await this.#sandboxes.get(spec.podUid);
    if (!sandbox) throw new Error(`pod sandbox ${spec.podUid} does not exist`);
    const image = await this.#o.images.resolve(spec.image);
    const id = randomBytes(ID_BYTES).toString('hex');
    const dir = this.#dir(id);
    // The container's own small files are written and read synchronously (here and in
    // containerStatus): each takes microseconds, where awaiting the thread pool cost a turn of the
    // agent's event loop apiece on a pod's start-up path (see writeVolumeFiles).
    mkdirSync(join(dir, 'persist'), { recursive: true });
    const meta: ContainerMeta = {
      id,
      podUid: spec.podUid,
      name: spec.name,
      attempt: spec.attempt ?? 0,
      image: spec.image,
      labels: spec.labels ?? {},
      stopSignal: image.config.stopSignal,
      createdAt: new Date().toISOString(),
    };
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
    try {
      const rootfsPath = await mountRootfs(dir, this.#o.images.layerDirs(image));
      const user = resolveUser(
        {
          imageUser: image.config.user,
          runAsUser: spec.security?.runAsUser,
          runAsGroup: spec.security?.runAsGroup,
          supplementalGroups: spec.security?.supplementalGroups,
        },
        await readUserFiles(rootfsPath),
      );
      const oci = buildOciSpec({
        spec,
        sandbox,
        image: image.config,
        user,
        rootfsPath,
        cgroupsPath: join(this.#o.cgroupParent, spec.podUid, id),
        hostCapabilities: this.#hostCaps,
        nofileHardLimit: this.#nofile,
      });
      writeFileSync(join(dir, 'config.json'), JSON.stringify(oci, null, 2));
      await launchConmon({
        conmonPath: this.#o.conmonPath,
        runtimePath: this.#oci.createPath,
        runtimeArgs: this.#runtimeGlobalArgs(),
        id,
        bundle: dir,
        exitDir: join(this.#o.root, 'exits'),
        logPath: this.logPath(id),
        logSizeMax: this.#o.logSizeMax,
        conmonPidFile: join(dir, 'conmon.pid'),
        containerPidFile: join(dir, 'pidfile'),
        persistDir: join(dir, 'persist'),
        socketDir: join(this.#o.root, 'sock'),
        stderrPath: join(dir, 'conmon.err'),
        tty: spec.tty,
        stdin: spec.stdin,
      });
      return id;
    } catch (e) {
      await this.removeContainer(id).catch(() => undefined);
      throw e;
    }
  }

  async startContainer(id: string): Promise<void> {
    await this.#runtime(['start', id]);
    writeFileSync(join(this.#dir(id), 'started'), new Date().toISOString());
  }

  async stopContainer(id: string, graceSeconds: number, signal?: string): Promise<void> {
    const meta = this.#meta(id);
    if (!meta || this.#exited(id)) return;
    const sig = (signal ?? meta.stopSignal ?? 'SIGTERM').replace(/^SIG/, '');
    if (graceSeconds > 0 && sig !== 'KILL') {
      await this.#runtime(['kill', id, sig], true);
      if (await this.#waitExit(id, graceSeconds * 1000)) return;
    }
    await this.#runtime(['kill', id, 'KILL'], true);
    if (!(await this.#waitExit(id, 10_000))) throw new Error(`container ${id} did not exit after SIGKILL`);
  }

  async removeContainer(id: string): Promise<void> {
    const dir = this.#dir(id);
    if (this.#conmonAlive(id) && !this.#exited(id)) {
      await this.#runtime(['kill', id, 'KILL'], true);
      await this.#waitExit(id, 5_000);
    }
    await this.#runtime(['delete', '--force', id], true);
    await unmountRootfs(dir);
    await rm(dir, { recursive: true, force: true });
    await rm(join(this.#o.root, 'exits', id), { force: true });
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const meta = this.#meta(id);
    if (!meta) return undefined;
    const dir = this.#dir(id);
    const base = { id, createdAt: meta.createdAt, oomKilled: false };
    const startedAt = readIfExists(join(dir, 'started'));
    const exitFile = join(dir, 'persist', 'exit');
    const exitText = readIfExists(exitFile);
    if (exitText !== undefined) {
      const text = exitText.trim();
      const exitCode = /^-?\d+$/.test(text) ? Number(text) : 255;
      const finishedAt = statSync(exitFile).mtime.toISOString();
      const oomKilled = existsSync(join(dir, 'persist', 'oom'));
      return { ...base, state: 'exited', exitCode, oomKilled, startedAt, finishedAt };
    }
    const pidText = readIfExists(join(dir, 'pidfile')) ?? '';
    const pid = /^\d+$/.test(pidText.trim()) ? Number(pidText.trim()) : undefined;
    if (startedAt) return { ...base, state: 'running', pid, startedAt };
    // Created, or started by a process that crashed before recording it: ask the runtime.
    const res = await this.#runtime(['state', id], true);
    if (res.code !== 0) {
      if (!existsSync(join(dir, 'conmon.pid'))) return { ...base, state: 'created' };
      return { ...base, state: 'exited', exitCode: 255 };
    }
    const state = JSON.parse(res.stdout) as { status?: string; pid?: number };
    if (state.status === 'running') return { ...base, state: 'running', pid: state.pid, startedAt: meta.createdAt };
    return { ...base, state: 'created', pid: state.pid };
  }

  async listContainers(): Promise<ContainerInfo[]> {
    const dir = join(this.#o.root, 'containers');
    const out: ContainerInfo[] = [];
    for (const id of await readdir(dir).catch(() => [])) {
      const meta = this.#meta(id);
      const status = meta && (await this.containerStatus(id));
      if (!meta || !status) continue;
      out.push({ id, podUid: meta.podUid, name: meta.name, attempt: meta.attempt, image: meta.image, labels: meta.labels, status });
    }
    return out;
  }

  exec(id: string, cmd: readonly string[], io: ExecIO): Promise<number> {
    return execInContainer({ runtimePath: this.#oci.path, globalArgs: this.#runtimeGlobalArgs(), id, cmd, io });
  }

  #runtimeGlobalArgs(): string[] {
    return ['--root', join(this.#o.root, 'runtime')];
  }

  #runtime(args: string[], allowFailure = false): Promise<CommandResult> {
    return runCommand(this.#oci.path, [...this.#runtimeGlobalArgs(), ...args], { allowFailure });
  }

  #dir(id: string): string {
    if (!/^[a-f0-9]+$/.test(id)) throw new Error(`invalid container id ${JSON.stringify(id)}`);
    return join(this.#o.root, 'containers', id);
  }

  #meta(id: string): ContainerMeta | undefined {
    const text = readIfExists(join(this.#dir(id), 'meta.json'));
    return text ? (JSON.parse(text) as ContainerMeta) : undefined;
  }

  #exited(id: string): boolean {
    return existsSync(join(this.#dir(id), 'persist', 'exit'));
  }

  /** conmon outlives its container only briefly; a dead conmon means nothing will exit any more. */
  #conmonAlive(id: string): boolean {
    const text = readIfExists(join(this.#dir(id), 'conmon.pid')) ?? '';
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 && processExists(pid);
  }

  async #waitExit(id: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#exited(id)) return true;
      if (!this.#conmonAlive(id)) return true;
      await new Promise((r) => setTimeout(r, this.#o.pollMs));
    }
    return this.#exited(id);
  }
}

/** A small file of the agent's own, or undefined when it is not there (or not readable). */
function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
