import { spawn } from 'node:child_process';
import type { ExecIO } from './types.ts';

export interface ExecOptions {
  runtimePath: string;
  globalArgs: string[];
  id: string;
  cmd: readonly string[];
  io: ExecIO;
}

/**
 * `runc exec` (the process inherits env, user and capabilities from the container's config.json).
 * With a tty, runc needs its own stdin to be a terminal, so it runs under `script`, which gives
 * it a pty and relays it to our pipes. Resolves with the command's exit code (126/127 when runc
 * could not start it); aborting `io.signal` kills the exec.
 */
export function execInContainer(o: ExecOptions): Promise<number> {
  const runtimeArgs = [...o.globalArgs, 'exec', ...(o.io.tty ? ['--tty'] : []), o.id, ...o.cmd];
  const [file, args] = o.io.tty
    ? ['script', ['-q', '-e', '-c', [o.runtimePath, ...runtimeArgs].map(shellQuote).join(' '), '/dev/null']]
    : [o.runtimePath, runtimeArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const onAbort = () => child.kill('SIGKILL');
    o.io.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.io.stdout) child.stdout.pipe(o.io.stdout, { end: false });
    else child.stdout.resume();
    const errSink = o.io.tty ? o.io.stdout : o.io.stderr;
    if (errSink) child.stderr.pipe(errSink, { end: false });
    else child.stderr.resume();
    child.stdin.on('error', () => {});
    if (o.io.stdin) o.io.stdin.pipe(child.stdin);
    else child.stdin.end();
    child.on('error', reject);
    child.on('close', (code, signal) => {
      o.io.signal?.removeEventListener('abort', onAbort);
      o.io.stdin?.unpipe(child.stdin);
      resolve(code ?? (signal === 'SIGKILL' ? 137 : 1));
    });
  });
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
