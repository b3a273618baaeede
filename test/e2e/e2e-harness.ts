// Helpers for end-to-end tests with real containers: a skip reason when the host cannot run them,
// names unique per run (node, bridge, pod subnet, state dir), a `peapod agent` child process, and
// a cleanup that removes what a run created even when a test failed half-way (or a previous run
// crashed): containers, mounts, the bridge, cgroups and the state dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { removeAgentRuntimeState } from '../../src/agent/index.ts';
import { sweep } from '../../src/agent/network/index.ts';
import { removeProxyState } from '../../src/agent/proxy/index.ts';
import { removeCgroupTree } from '../../src/agent/runtime/sandbox.ts';
import { api, eventually, kubectl, startServer, type TestServer } from '../integration/harness.ts';
import { processExists } from '../../src/util/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BASE = join(tmpdir(), 'peapod-e2e');
const OCI_RUNTIMES = ['/usr/sbin/runc', '/usr/bin/crun'];

/** Why these tests cannot run here, or false. CI runs as root after scripts/install-deps.sh. */
export function e2eSkipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (real containers, network namespaces, cgroups)';
  const need = ['/usr/bin/conmon', '/usr/lib/cni/bridge', '/usr/lib/cni/host-local', '/usr/lib/cni/loopback', '/bin/busybox'];
  const missing = need.filter((p) => !existsSync(p));
  if (!OCI_RUNTIMES.some((p) => existsSync(p))) missing.push('runc or crun');
  if (missing.length) return `needs ${missing.join(', ')} (bash scripts/install-deps.sh installs them)`;
  return false;
}

/** One node of a test run: its name, pod subnet, bridge (named after the subnet) and state dir. */
export interface TestNode {
  tag: string;
  nodeName: string;
  subnet: string;
  bridge: string;
  /** The server data dir; the embedded agent keeps its state in `<dir>/agent`. */
  dir: string;
  agentDir: string;
  /** The server's --service-cluster-ip-range: 10.43.<same octet as the pod subnet>.0/24, so parallel runs never share VIPs, routes or the DNS IP. */
  serviceCidr?: string;
}

/**
 * A fresh node identity. The subnet is 10.42.<100..199>.0/24 with no route on this machine yet
 * (the runtime e2e test uses 200..249; a real single node uses 0), so test pods never shadow
 * anything. The owner pid lets a later run clean up after a crashed one.
 */
export async function newTestNode(label: string): Promise<TestNode> {
  // Bridges (and so routes) appear only with the first pod: subnets of runs in progress count too.
  let taken = spawnSync('ip', ['-o', '-4', 'route', 'show'], { encoding: 'utf8' }).stdout;
  for (const d of await readdir(BASE).catch(() => [])) taken += await readFile(join(BASE, d, 'owner.json'), 'utf8').catch(() => '');
  let octet = 100 + (randomBytes(1)[0]! % 100);
  for (let i = 0; i < 100 && taken.includes(`10.42.${octet}.0/24`); i++) octet = 100 + ((octet - 99) % 100);
  const tag = `${label}-${randomBytes(3).toString('hex')}`;
  const dir = join(BASE, tag);
  await mkdir(dir, { recursive: true });
  const node: TestNode = {
    tag,
    nodeName: `e2e-${tag}`,
    subnet: `10.42.${octet}.0/24`,
    bridge: `ppd${octet}`,
    dir,
    agentDir: join(dir, 'agent'),
    serviceCidr: `10.43.${octet}.0/24`,
  };
  await writeFile(join(dir, 'owner.json'), JSON.stringify({ pid: process.pid, node }));
  return node;
}

/** Removes runs of this test whose owner process is gone (a crashed or killed test run). */
export async function sweepCrashedRuns(): Promise<void> {
  for (const d of await readdir(BASE).catch(() => [])) {
    const owner = JSON.parse(await readFile(join(BASE, d, 'owner.json'), 'utf8').catch(() => '{}')) as { pid?: number; node?: TestNode };
    if (!owner.node || (owner.pid && processExists(owner.pid))) continue;
    await destroyTestNode(owner.node);
  }
}

/**
 * Everything of one node goes: containers (runtime delete --force ends conmon too), mounts under
 * the state dir (netns, shm, rootfs, tmpfs volumes), the bridge, the cgroups, the state dir.
 * Idempotent; use after stopping the server/agent.
 */
export async function destroyTestNode(node: TestNode): Promise<void> {
  await removeAgentRuntimeState(node.agentDir);
  await sweep({ pathPrefix: node.dir });
  spawnSync('ip', ['link', 'del', node.bridge], { stdio: 'ignore' });
  await removeCgroupTree(`/peapod/${node.nodeName}`);
  removeProxyState(node.nodeName, node.serviceCidr);
  await rm(node.dir, { recursive: true, force: true });
}

export function bridgeExists(name: string): boolean {
  return spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0;
}

/** Pod UIDs that still have a sandbox on the node (the agent's runtime state). */
export async function sandboxes(node: TestNode): Promise<string[]> {
  return readdir(join(node.agentDir, 'rt', 'pods')).catch(() => []);
}

/**
 * A fresh test node and a `peapod server` whose embedded agent runs it, after sweeping what a
 * crashed earlier run left. `args` go to the server after the node's own flags.
 */
export async function startNodeServer(label: string, args: string[] = []): Promise<{ node: TestNode; server: TestServer }> {
  await sweepCrashedRuns();
  const node = await newTestNode(label);
  const server = await startServer({
    dataDir: node.dir,
    args: ['--node-name', node.nodeName, '--pod-cidr', node.subnet, '--service-cluster-ip-range', node.serviceCidr!, ...args],
  });
  return { node, server };
}

/**
 * Force-deletes every pod so the agent stops and removes their containers and sandboxes, waits for
 * that (best effort), then stops the server, whose shutdown removes the idle bridge.
 */
export async function deletePodsAndStop(server: TestServer, node: TestNode): Promise<void> {
  await kubectl(server, ['delete', 'pods', '--all', '--grace-period=0', '--force', '--wait=false']);
  await eventually('every sandbox removed', async () => (await sandboxes(node)).length === 0, 30_000).catch(() => undefined);
  await server.stop();
}

export interface AgentProcess {
  proc: ChildProcess;
  /** SIGKILL: no cleanup at all, as a crash. */
  kill9(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

/** Runs `peapod agent` for `node` against `server` until it prints that it is ready. */
export async function startAgentProcess(server: TestServer, node: TestNode): Promise<AgentProcess> {
  const proc = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/peapod.js'),
      'agent',
      '--server',
      server.url,
      '--token',
      readFileSync(join(server.dataDir, 'node-token'), 'utf8').trim(),
      '--ca-file',
      join(server.dataDir, 'pki', 'ca.crt'),
      '--node-name',
      node.nodeName,
      '--data-dir',
      node.agentDir,
      '--pod-cidr',
      node.subnet,
      '--agent-port',
      '0',
      ...(node.serviceCidr ? ['--service-cluster-ip-range', node.serviceCidr] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PEAPOD_LOG_LEVEL: process.env.PEAPOD_LOG_LEVEL ?? 'warn' } },
  );
  let out = '';
  proc.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
    if (process.env.PEAPOD_TEST_VERBOSE) process.stderr.write(d);
  });
  const exited = once(proc, 'exit');
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start in 30 s:\n${out}`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(' ready (')) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code}:\n${out}`));
    });
  });
  const running = (): boolean => proc.exitCode === null && proc.signalCode === null;
  return {
    proc,
    async kill9() {
      if (running()) proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (running()) proc.kill('SIGTERM');
      await exited;
    },
  };
}

export async function getPod(server: TestServer, name: string, ns = 'default'): Promise<Pod | undefined> {
  const res = await api(server, 'GET', `/api/v1/namespaces/${ns}/pods/${name}`);
  return res.status === 200 ? res.json<Pod>() : undefined;
}

/** Polls the pod until `ok` holds; the error names the pod's last status. */
export async function waitPod(server: TestServer, name: string, what: string, ok: (p: Pod) => boolean, timeoutMs = 60_000): Promise<Pod> {
  let last: Pod | undefined;
  try {
    return await eventually(
      `pod ${name}: ${what}`,
      async () => {
        last = await getPod(server, name);
        return last && ok(last) ? last : undefined;
      },
      timeoutMs,
      100,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; last status: ${JSON.stringify(last?.status)}`);
  }
}

/** GET over plain HTTP (to a pod IP in the test's own bridge). */
export function httpGet(url: string): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const req = request(url, { timeout: 2000 }, (res) => {
      let body = '';
      res
        .setEncoding('utf8')
        .on('data', (c: string) => (body += c))
        .on('end', () => resolveBody(body));
    });
    req
      .on('error', reject)
      .on('timeout', () => req.destroy(new Error('timeout')))
      .end();
  });
}
