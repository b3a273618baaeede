// Starts a real `peapod server` process on a free loopback port with a temporary data dir, and
// gives tests the real kubectl (with an isolated HOME so its discovery cache is fresh) and raw
// HTTPS access with the admin token. Everything is removed on stop().
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'node:https';
import { once } from 'node:events';
import type { Node } from 'kubernetes-types/core/v1.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface TestServer {
  url: string;
  dataDir: string;
  kubeconfig: string;
  token: string;
  ca: string;
  proc: ChildProcess;
  /** What the server wrote to stderr so far (its log). */
  stderr(): string;
  /** What the server wrote to stdout so far (its start-up banner). */
  stdout(): string;
  stop(): Promise<void>;
  /** Kills the process with SIGKILL (no cleanup) and waits for it to exit. */
  kill9(): Promise<void>;
}

/** Components that act on objects; API-level tests turn them off so objects stay as written. */
export const API_ONLY = ['--disable', 'scheduler,controller-manager,agent'];

/** The server prints its URL once it serves; one that has not by then is stuck (killed, and the test fails). */
export const SERVER_START_TIMEOUT_MS = 30_000;

/** Thrown when the server printed no URL in time; the process is already killed and reaped. */
export class ServerStartTimeout extends Error {
  constructor(
    readonly pid: number | undefined,
    timeoutMs: number,
    out: string,
    err: string,
  ) {
    super(`peapod server (pid ${pid}) printed no URL within ${timeoutMs / 1000} s and was killed\nstdout:\n${out}\nstderr:\n${err}`);
    this.name = 'ServerStartTimeout';
  }
}

export async function startServer(
  options: { dataDir?: string; args?: string[]; env?: Record<string, string>; startTimeoutMs?: number } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'peapod-it-')));
  const proc = spawn(process.execPath, [join(ROOT, 'bin/peapod.js'), 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PEAPOD_LOG_LEVEL: process.env.PEAPOD_LOG_LEVEL ?? 'warn', ...(options.env ?? {}) },
  });
  const exited = once(proc, 'exit');
  exited.catch(() => {}); // a failed spawn is reported by the start-up promise below
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (process.env.PEAPOD_TEST_VERBOSE) process.stderr.write(d);
  });
  const timeoutMs = options.startTimeoutMs ?? SERVER_START_TIMEOUT_MS;
  let url: string;
  try {
    url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new ServerStartTimeout(proc.pid, timeoutMs, out, err)), timeoutMs);
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (https:\/\/[^\s]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]!);
        }
      });
      proc.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${out}\n${err}`));
      });
    });
  } catch (e) {
    // Left running, a stuck server would keep the test run from ever ending.
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited.catch(() => {});
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  const ca = await readFile(join(dataDir, 'pki', 'ca.crt'), 'utf8');
  return {
    url,
    dataDir,
    kubeconfig,
    token,
    ca,
    proc,
    stderr: () => err,
    stdout: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await exited;
      }
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

let kubectlHome: string | undefined;
process.once('exit', () => {
  // kubectl's discovery cache lives here for the whole test file; remove it with the process.
  if (kubectlHome) rmSync(kubectlHome, { recursive: true, force: true });
});

/** What kubectl needs of a cluster: a test server or a dev cluster. */
export type KubectlTarget = Pick<TestServer, 'kubeconfig'>;

/** Runs the real kubectl against the server. Never throws on a non-zero exit: tests assert codes. */
export async function kubectl(
  server: KubectlTarget,
  args: string[],
  options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<KubectlResult> {
  kubectlHome ??= await mkdtemp(join(tmpdir(), 'peapod-kubectl-home-'));
  return new Promise((resolveResult) => {
    const child = execFile(
      'kubectl',
      args,
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: kubectlHome!, KUBECONFIG: server.kubeconfig, ...(options.env ?? {}) },
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolveResult({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

/** Runs kubectl and fails the test (with its stderr) unless it exits 0; returns stdout. */
export async function kubectlOk(server: KubectlTarget, args: string[], input?: string): Promise<string> {
  const r = await kubectl(server, args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/** One HTTPS request to the server with the admin token (or `token: null` for none). */
export function api(
  server: TestServer,
  method: string,
  path: string,
  options: { body?: unknown; contentType?: string; token?: string | null; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolveRes, reject) => {
    const u = new URL(path, server.url);
    const body =
      options.body === undefined ? undefined : typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
    const headers: Record<string, string> = { Accept: 'application/json', ...(options.headers ?? {}) };
    const token = options.token === undefined ? server.token : options.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      // Node does not frame bodies of DELETE requests unless told their length.
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const req = request(u, { method, headers, ca: server.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolveRes({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** GET `path` and fail the test unless it answers 200; returns the parsed body. */
export async function getJson<T>(server: TestServer, path: string): Promise<T> {
  const r = await api(server, 'GET', path);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body}`);
  return r.json<T>();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns a truthy value or the timeout passes (then throws with `what`). */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(intervalMs);
  }
}

/**
 * A Node object that reports Ready with `allocatable` (as capacity too) and the hostname label, for
 * tests that create nodes through the API with no agent behind them.
 */
export function readyNode(
  name: string,
  allocatable: Record<string, string> = { cpu: '4', memory: '8Gi', pods: '110' },
  extra: { labels?: Record<string, string>; spec?: Node['spec'] } = {},
): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...extra.labels } },
    ...(extra.spec ? { spec: extra.spec } : {}),
    status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}
