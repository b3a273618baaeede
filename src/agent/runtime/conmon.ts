import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';

export interface ConmonLaunch {
  conmonPath: string;
  runtimePath: string;
  /** Global runtime args placed before `create` (e.g. `--root <dir>`). */
  runtimeArgs: string[];
  id: string;
  bundle: string;
  exitDir: string;
  logPath: string;
  logSizeMax: number;
  conmonPidFile: string;
  containerPidFile: string;
  persistDir: string;
  socketDir: string;
  /** conmon's own stderr goes here (create failures, for debugging). */
  stderrPath: string;
  tty?: boolean;
  stdin?: boolean;
  timeoutMs?: number;
}

/**
 * Starts a conmon that runs `<runtime> create` and then supervises the container (it daemonises and
 * outlives the agent). Resolves with the container's pid once created, using the `_OCI_SYNCPIPE`
 * handshake (without it, `start` may race `create`). The pipe is closed afterwards so this process
 * does not wait on conmon.
 */
export function launchConmon(l: ConmonLaunch): Promise<number> {
  const args = [
    '--api-version',
    '1',
    '-b',
    l.bundle,
    '-c',
    l.id,
    '-u',
    l.id,
    '-n',
    l.id,
    '-r',
    l.runtimePath,
    ...l.runtimeArgs.flatMap((a) => ['--runtime-arg', a]),
    '--exit-dir',
    l.exitDir,
    '-l',
    `k8s-file:${l.logPath}`,
    '--log-size-max',
    String(l.logSizeMax),
    '-P',
    l.conmonPidFile,
    '-p',
    l.containerPidFile,
    '--persist-dir',
    l.persistDir,
    '--socket-dir-path',
    l.socketDir,
  ];
  if (l.tty) args.push('-t');
  if (l.stdin) args.push('-i');
  const errFd = openSync(l.stderrPath, 'a');
  const child = spawn(l.conmonPath, args, {
    stdio: ['ignore', errFd, errFd, 'pipe'],
    // conmon drops an `oom` marker in its working directory as well as in the persist dir.
    cwd: l.bundle,
    env: { ...process.env, _OCI_SYNCPIPE: '3' },
    detached: true,
  });
  closeSync(errFd);
  child.unref();
  const pipe = child.stdio[3] as Readable;
  return new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => finish(new Error(`conmon: no pid for ${l.id} after ${l.timeoutMs ?? 30000} ms`)), l.timeoutMs ?? 30_000);
    const finish = (err: Error | undefined, pid?: number) => {
      clearTimeout(timer);
      pipe.removeAllListeners();
      pipe.on('error', () => {});
      pipe.destroy();
      if (err) reject(err);
      else resolve(pid ?? 0);
    };
    pipe.on('data', (b: Buffer) => {
      buf += b.toString('utf8');
      const msg = parseSyncMessage(buf);
      if (!msg) return;
      if (msg.data > 0) finish(undefined, msg.data);
      else finish(new Error(`container create failed: ${msg.message ?? `code ${msg.data}`}`));
    });
    pipe.on('end', () => finish(new Error(`conmon closed the sync pipe for ${l.id} without a pid (see ${l.stderrPath})`)));
    pipe.on('error', (e) => finish(e));
    child.on('error', (e) => finish(e));
  });
}

function parseSyncMessage(buf: string): { data: number; message?: string } | undefined {
  let doc: { data?: unknown; message?: unknown };
  try {
    doc = JSON.parse(buf.trim()) as { data?: unknown; message?: unknown };
  } catch {
    return undefined; // incomplete; wait for more
  }
  return { data: typeof doc.data === 'number' ? doc.data : -1, message: typeof doc.message === 'string' ? doc.message : undefined };
}
