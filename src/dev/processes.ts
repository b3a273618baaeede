// Supervising the cluster's processes: waiting for a line of output, for a host's init, for a
// condition (waitUntil throws on timeout, so a kill() never resolves with processes alive), and
// stopping or killing processes.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** The first child of `pid` (unshare --fork's child: the host's init), polled until it exists. */
export async function childPid(pid: number, timeoutMs: number): Promise<number> {
  let child: number | undefined;
  await waitUntil(
    `the host init of pid ${pid} to appear`,
    async () => {
      const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
      child = Number(text.trim().split(/\s+/)[0]) || undefined;
      return child !== undefined;
    },
    timeoutMs,
  );
  if (child === undefined) throw new Error(`host init of pid ${pid} did not appear`);
  return child;
}

export function waitForLine(proc: ChildProcess, re: RegExp, timeoutMs: number, logFile: string): Promise<RegExpExecArray> {
  return new Promise((resolveLine, reject) => {
    let out = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      const log = readFileSync(logFile, 'utf8').slice(-3000);
      reject(new Error(`${why}; last output:\n${out}\n${log}`));
    };
    const timer = setTimeout(() => fail(`no ${re} within ${timeoutMs} ms`), timeoutMs);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.removeListener('exit', onExit);
        resolveLine(m);
      }
    });
    const onExit = (code: number | null): void => fail(`exited with ${code}`);
    proc.once('exit', onExit);
  });
}

export async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = once(c, 'exit');
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Polls `ok` every 50 ms; throws naming `what` when it is still false after `timeoutMs`. */
export async function waitUntil(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Guards the recorded server pid against reuse by an unrelated process. */
export function isPeapodServer(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('peapod') && cmd.includes('\0server\0');
  } catch {
    return false;
  }
}
