// Progress on stderr. On a terminal: one line rewritten in place (at most 10 times a second).
// Otherwise (CI logs, pipes): one line when a phase starts and one when it ends.
import { performance } from 'node:perf_hooks';

export interface Progress {
  /** Starts a phase; `total` enables "done/total" and a percentage. */
  phase(name: string, total?: number): void;
  /** Reports `done` units of the current phase. */
  update(done: number): void;
  /** Ends the current phase with an optional one-line summary. */
  end(summary?: string): void;
  /** A line that stays (warnings, notes). */
  note(message: string): void;
}

export interface ProgressOptions {
  readonly stream?: NodeJS.WriteStream;
  /** Prefix, usually the benchmark name. */
  readonly label: string;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  let name = '';
  let total: number | undefined;
  let started = 0;
  let lastDraw = 0;
  let drawn = false;

  const clear = (): void => {
    if (tty && drawn) stream.write('\r\x1b[K');
    drawn = false;
  };
  const draw = (done: number): void => {
    const secs = (performance.now() - started) / 1000;
    const rate = secs > 0 ? ` ${Math.round(done / secs)}/s` : '';
    const count = total ? `${done}/${total} (${((100 * done) / total).toFixed(0)}%)` : String(done);
    stream.write(`\r\x1b[K[${opts.label}] ${name}  ${count}${rate}  ${secs.toFixed(1)} s`);
    drawn = true;
  };

  return {
    phase(phaseName, phaseTotal) {
      clear();
      name = phaseName;
      total = phaseTotal;
      started = performance.now();
      lastDraw = 0;
      if (tty) draw(0);
      else stream.write(`[${opts.label}] ${name}${total ? ` (${total})` : ''}...\n`);
    },
    update(done) {
      if (!tty) return;
      const now = performance.now();
      if (now - lastDraw < 100 && done !== total) return;
      lastDraw = now;
      draw(done);
    },
    end(summary) {
      clear();
      const secs = ((performance.now() - started) / 1000).toFixed(1);
      stream.write(`[${opts.label}] ${name}: done in ${secs} s${summary ? ` — ${summary}` : ''}\n`);
    },
    note(message) {
      clear();
      stream.write(`[${opts.label}] ${message}\n`);
    },
  };
}
