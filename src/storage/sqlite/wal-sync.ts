// fsync of the SQLite write-ahead log on the libuv thread pool, so the event loop does not wait
// about 3 ms on the disk at every commit (it did with synchronous=FULL: a third of the loop at
// 100 commits/s, and every request queued behind it).
//
// With journal_mode=WAL and synchronous=NORMAL a commit is in the WAL file through write(2) but not
// fsync'd: it survives kill -9 (the kernel has it) but not a power loss. `durable()` closes that
// gap before a write is acknowledged: it resolves once an fsync that *started after the call*
// completed, which covers every commit made before the call (the WAL is appended in order). Calls
// that arrive while an fsync runs share the next one (group fsync).
import { fsync, openSync, closeSync } from 'node:fs';

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class WalSync {
  readonly #path: string;
  #fd: number | undefined;
  #running = false;
  #waiting: Waiter[] = [];

  /** `walPath` is `<database>-wal`; it is opened on first use (SQLite creates it with the first write). */
  constructor(walPath: string) {
    this.#path = walPath;
  }

  durable(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#kick();
    });
  }

  /** After the last durable() settled. The WAL itself is removed by SQLite when the database closes. */
  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #kick(): void {
    if (this.#running || this.#waiting.length === 0) return;
    const batch = this.#waiting;
    this.#waiting = [];
    let fd: number;
    try {
      fd = this.#fd ??= openSync(this.#path, 'r');
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    this.#running = true;
    fsync(fd, (error) => {
      this.#running = false;
      for (const w of batch) error ? w.reject(error) : w.resolve();
      this.#kick();
    });
  }
}
