// Runs `peapod server` as a child process on 127.0.0.1 with a fresh data dir, so the benchmark
// client does not share the server's event loop and the server's memory and CPU can be read from
// /proc. Stopped (SIGTERM, then SIGKILL) and its data dir removed at cleanup.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.ts';
import { makeTempDir } from './temp-dir.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  readonly pid: number;
  readonly url: string;
  readonly token: string;
  readonly caPem: string;
  readonly dataDir: string;
  /** Last lines the server wrote to stderr (its log), for diagnosing failures. */
  stderrTail(): string[];
  /** Log lines at level warn (40) or above, counted by level name. */
  readonly logCounts: { warn: number; error: number; fatal: number };
  /** Set once the process has exited (expectedly or not). */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Stops the server: SIGTERM, then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface LaunchOptions {
  /** Extra `peapod server` flags, e.g. ['--storage-compact-interval', '0']. */
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly readyTimeoutMs?: number;
  /** Node flags for the server process, e.g. ['--cpu-prof']. */
  readonly nodeArgs?: readonly string[];
  /** Called with every line the server writes to stderr (its log). */
  readonly onLogLine?: (line: string) => void;
}

const TAIL_LINES = 200;

export async function launchServer(opts: LaunchOptions = {}): Promise<ServerProcess> {
  const dataDir = makeTempDir('peapod-bench-server');
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), join(REPO_ROOT, 'bin/peapod.js'), 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', ...(opts.args ?? [])],
    { cwd: REPO_ROOT, env: { ...process.env, PEAPOD_LOG_LEVEL: 'warn', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const tail: string[] = [];
  const logCounts = { warn: 0, error: 0, fatal: 0 };
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve();
    }),
  );
  collectLines(child, 'stderr', (line) => {
    opts.onLogLine?.(line);
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (level === '40') logCounts.warn++;
    else if (level === '50') logCounts.error++;
    else if (level === '60') logCounts.fatal++;
  });

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5000): Promise<void> =>
    (stopping ??= (async () => {
      if (!exitInfo) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
    })());
  onCleanup(
    () => stop(),
    () => {
      if (!exitInfo) child.kill('SIGKILL');
    },
  );

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`peapod server not ready after ${opts.readyTimeoutMs ?? 30_000} ms\n${tail.join('\n')}`)),
      opts.readyTimeoutMs ?? 30_000,
    );
    collectLines(child, 'stdout', (line) => {
      const m = /listening on (https:\/\/\S+)/.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`peapod server exited during start-up (${JSON.stringify(exitInfo)}):\n${tail.join('\n')}`));
    });
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });

  return {
    pid: child.pid ?? -1,
    url,
    token: readFileSync(join(dataDir, 'admin.token'), 'utf8').trim(),
    caPem: readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8'),
    dataDir,
    stderrTail: () => [...tail],
    logCounts,
    exit: () => exitInfo,
    stop,
  };
}

function collectLines(child: ChildProcess, which: 'stdout' | 'stderr', onLine: (line: string) => void): void {
  let partial = '';
  child[which]?.setEncoding('utf8');
  child[which]?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}
