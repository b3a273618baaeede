// Streams a container's CRI log file as `kubectl logs` shows it, with kubelet's options:
// tailLines, since, timestamps, limitBytes and follow. Follow ends when the container stops running
// and the file is drained, when limitBytes is reached, or when the signal aborts (client gone).
import { open, type FileHandle } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseCriRecord, renderRecord, type CriRecord } from './cri-log.ts';

export interface LogReadOptions {
  readonly follow?: boolean;
  /** Last N lines (a line = its partial records plus the full one); negative or absent = all. */
  readonly tailLines?: number;
  /** Records older than this are skipped. */
  readonly since?: Date;
  readonly timestamps?: boolean;
  readonly limitBytes?: number;
  readonly signal?: AbortSignal;
  /** Asked while following: false means the container exited, so end once the file is drained. */
  readonly stillRunning?: () => Promise<boolean>;
  /** Fallback poll while following, in case fs.watch misses a change (default 250 ms). */
  readonly pollIntervalMs?: number;
}

/** Writes the log to `out` (not ended here); resolves when done. A missing file reads as empty. */
export async function streamContainerLog(path: string, out: Writable, options: LogReadOptions = {}): Promise<void> {
  const file = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  const state = { budget: options.limitBytes !== undefined && options.limitBytes > 0 ? options.limitBytes : Infinity, atLineStart: true };
  const since = options.since?.getTime();
  const keep = (r: CriRecord) => since === undefined || r.timeMs >= since;
  const reader = new RecordReader(file);
  try {
    let records = (await reader.readAvailable()).filter(keep);
    if (options.tailLines !== undefined && options.tailLines >= 0) records = lastLines(records, options.tailLines);
    if (!(await emit(records, out, state, options))) return;
    if (!options.follow || !file) return;
    const waiter = new ChangeWaiter(path, options.pollIntervalMs ?? 250);
    try {
      while (!options.signal?.aborted) {
        const running = options.stillRunning ? await options.stillRunning() : false;
        const more = (await reader.readAvailable()).filter(keep);
        if (!(await emit(more, out, state, options))) return;
        if (more.length === 0 && !running) return;
        if (more.length === 0) await waiter.wait(options.signal);
      }
    } finally {
      waiter.close();
    }
  } finally {
    await file?.close();
  }
}

function lastLines(records: CriRecord[], n: number): CriRecord[] {
  if (n === 0) return [];
  let lines = 0;
  for (let i = records.length - 1; i >= 0; i--) {
    // A full record ends a line; a trailing run of partials counts as one (unfinished) line.
    if (!records[i]!.partial || i === records.length - 1) lines++;
    if (lines > n) return records.slice(i + 1);
  }
  return records;
}

/** Returns false once limitBytes is used up or the client is gone (stop reading). */
async function emit(records: CriRecord[], out: Writable, state: { budget: number; atLineStart: boolean }, options: LogReadOptions): Promise<boolean> {
  for (const rec of records) {
    if (options.signal?.aborted || out.destroyed) return false;
    let bytes = renderRecord(rec, { timestamps: options.timestamps ?? false, atLineStart: state.atLineStart });
    state.atLineStart = !rec.partial;
    if (bytes.length > state.budget) bytes = bytes.subarray(0, state.budget);
    state.budget -= bytes.length;
    if (bytes.length > 0 && !out.write(bytes)) await drained(out, options.signal);
    if (state.budget <= 0) return false;
  }
  return true;
}

function drained(out: Writable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    signal?.addEventListener('abort', done);
  });
}

/** Reads complete records appended since the last call; keeps an unterminated tail for later. */
class RecordReader {
  private offset = 0;
  private rest: Buffer = Buffer.alloc(0);
  constructor(private readonly file: FileHandle | undefined) {}

  async readAvailable(): Promise<CriRecord[]> {
    if (!this.file) return [];
    const { size } = await this.file.stat();
    if (size < this.offset) {
      // Truncated or replaced in place: start over.
      this.offset = 0;
      this.rest = Buffer.alloc(0);
    }
    if (size === this.offset) return [];
    const buf = Buffer.alloc(size - this.offset);
    const { bytesRead } = await this.file.read(buf, 0, buf.length, this.offset);
    this.offset += bytesRead;
    const data = this.rest.length ? Buffer.concat([this.rest, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
    const records: CriRecord[] = [];
    let start = 0;
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
      const rec = parseCriRecord(data.subarray(start, nl));
      if (rec) records.push(rec);
      start = nl + 1;
    }
    this.rest = Buffer.from(data.subarray(start));
    return records;
  }
}

/** Resolves on a change to the file (fs.watch) or after the poll interval, whichever is first. */
class ChangeWaiter {
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;
  private changed = false;

  constructor(
    path: string,
    private readonly intervalMs: number,
  ) {
    try {
      this.watcher = watch(path, () => {
        this.changed = true;
        this.wake?.();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      this.watcher = undefined; // polling only
    }
  }

  wait(signal: AbortSignal | undefined): Promise<void> {
    if (this.changed) {
      this.changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wake = undefined;
        this.changed = false;
        resolve();
      };
      const timer = setTimeout(done, this.intervalMs);
      this.wake = done;
      signal?.addEventListener('abort', done);
    });
  }

  close(): void {
    this.watcher?.close();
  }
}
