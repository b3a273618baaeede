// Runs real etcd members (Debian `etcd-server`) on loopback for tests, benchmarks and the dev
// cluster: random ports, a temp data dir per member, one cluster of N members.
//
// A crashed earlier run can leave members behind: every data dir records the pid of the Node
// process that owns it, and `sweepStaleEtcd` kills members whose owner is gone.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processExists } from '../../util/index.ts';

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  /** True while the process runs. */
  running(): boolean;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Starts the member again on the same ports and data dir (does not wait: see waitReady). */
  restart(): Promise<void>;
  /** Resolves once the member reports healthy (needs a quorum of members running). */
  waitReady(timeoutMs?: number): Promise<void>;
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Client URLs of every member, the value of `--etcd-servers`. */
  readonly endpoints: readonly string[];
  /** Kills every member and removes the data dirs. */
  close(): Promise<void>;
}

export interface StartEtcdOptions {
  /** Number of members (default 1). */
  readonly members?: number;
  /** IP to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Parent of the data dirs (default: a new temp dir, removed by close()). */
  readonly dir?: string;
  /** Fixed client ports (default: random free ones). */
  readonly clientPorts?: readonly number[];
  readonly etcdBinary?: string;
}

const DIR_PREFIX = 'peapod-etcd-';
const OWNER_FILE = 'owner.pid';

export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdCluster> {
  sweepStaleEtcd();
  const count = options.members ?? 1;
  const host = options.host ?? '127.0.0.1';
  const ownDir = options.dir === undefined;
  const root = options.dir ?? mkdtempSync(join(tmpdir(), DIR_PREFIX));
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, OWNER_FILE), String(process.pid));
  const ports = await freePorts(host, count * 2);
  const specs = Array.from({ length: count }, (_, i) => ({
    name: `etcd-${i}`,
    clientUrl: `http://${host}:${options.clientPorts?.[i] ?? ports[2 * i]!}`,
    peerUrl: `http://${host}:${ports[2 * i + 1]!}`,
    dataDir: join(root, `etcd-${i}`),
  }));
  const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
  const token = `peapod-${process.pid}-${Date.now()}`;
  const members = specs.map((spec) => new Member(spec, { initialCluster, token, binary: options.etcdBinary ?? 'etcd' }));
  members.forEach((m) => m.spawn());
  try {
    await Promise.all(members.map((m) => m.waitReady()));
  } catch (error) {
    await Promise.all(members.map((m) => m.kill()));
    if (ownDir) rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    members,
    endpoints: members.map((m) => m.clientUrl),
    async close() {
      await Promise.all(members.map((m) => m.kill()));
      if (ownDir) rmSync(root, { recursive: true, force: true });
    },
  };
}

class Member implements EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #started = false;

  constructor(
    spec: { name: string; clientUrl: string; peerUrl: string; dataDir: string },
    private readonly cluster: { initialCluster: string; token: string; binary: string },
  ) {
    this.name = spec.name;
    this.clientUrl = spec.clientUrl;
    this.peerUrl = spec.peerUrl;
    this.dataDir = spec.dataDir;
  }

  running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  spawn(): void {
    mkdirSync(this.dataDir, { recursive: true });
    const log = openSync(join(this.dataDir, '..', `${this.name}.log`), 'a');
    const args = [
      `--name=${this.name}`,
      `--data-dir=${join(this.dataDir, 'data')}`,
      `--listen-client-urls=${this.clientUrl}`,
      `--advertise-client-urls=${this.clientUrl}`,
      `--listen-peer-urls=${this.peerUrl}`,
      `--initial-advertise-peer-urls=${this.peerUrl}`,
      `--initial-cluster=${this.cluster.initialCluster}`,
      `--initial-cluster-token=${this.cluster.token}`,
      // A restarted member rejoins from its data dir; the flag only matters on first start.
      `--initial-cluster-state=${this.#started ? 'existing' : 'new'}`,
      '--logger=zap',
      '--log-outputs=stderr',
    ];
    this.#started = true;
    const child = spawn(this.cluster.binary, args, { stdio: ['ignore', log, log] });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running()) throw new Error(`etcd member ${this.name} exited; see ${join(this.dataDir, '..', `${this.name}.log`)}`);
      try {
        const res = await fetch(`${this.clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
        const body = (await res.json()) as { health?: string };
        if (body.health === 'true') return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`etcd member ${this.name} not healthy after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async kill(): Promise<void> {
    if (this.running()) this.#child?.kill('SIGKILL');
    await this.#exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    this.spawn();
    // A lone restarted member of a cluster whose quorum is gone never reports healthy; the caller
    // restarts the others and waits on them together.
  }
}

/** Ports free right now on `host` (the kernel picks them; a tiny reuse race is accepted in tests). */
export async function freePorts(host: string, count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, host, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Kills etcd members left by an earlier run whose owning process died, and removes their dirs. */
export function sweepStaleEtcd(): void {
  const base = tmpdir();
  let entries: string[];
  try {
    entries = readdirSync(base).filter((name) => name.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of entries) {
    const dir = join(base, name);
    const ownerFile = join(dir, OWNER_FILE);
    if (!existsSync(ownerFile)) continue;
    const owner = Number(readFileSync(ownerFile, 'utf8'));
    if (owner > 0 && processExists(owner)) continue;
    for (const pid of pidsWithArg(`--data-dir=${dir}/`)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Kills the etcd members whose data dirs are under `dir` (a dev cluster's leftovers); returns their pids. */
export function killEtcdUnder(dir: string): number[] {
  const pids = pidsWithArg(`--data-dir=${dir}/`);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids;
}

function pidsWithArg(argPrefix: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => a.startsWith(argPrefix))) pids.push(Number(entry));
    } catch {
      // process ended while reading
    }
  }
  return pids;
}
