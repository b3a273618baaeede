// Questions about other processes by pid, asked in many places (lock files, crash sweeps, conmon).

/** Whether a process with this pid exists (signal 0; EPERM means it exists but is not ours). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
