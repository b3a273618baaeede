import { Writable } from 'node:stream';
import type { Probe } from 'kubernetes-types/core/v1.js';
import type { HandlerOutcome, ProbeTarget } from './types.ts';

/** kubelet keeps at most this much of a probe's output (maxReadLength in pkg/probe). */
export const MAX_PROBE_OUTPUT = 10 * 1024;

/** A sink that keeps the first `limit` bytes written to it and discards the rest. */
export class CappedSink extends Writable {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  constructor(private readonly limit = MAX_PROBE_OUTPUT) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    if (this.#size < this.limit) {
      const part = chunk.subarray(0, this.limit - this.#size);
      this.#chunks.push(part);
      this.#size += part.length;
    }
    done();
  }
  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

/**
 * exec handler (pkg/probe/exec): runs the command in the container through the runtime; exit 0
 * is success, anything else failure with the command's combined output. A command still running
 * at timeoutSeconds is killed (the runtime honours io.signal) and fails with
 * `command "cat /tmp/health" timed out`.
 */
export async function execProbe(probe: Probe, t: ProbeTarget): Promise<HandlerOutcome> {
  const cmd = probe.exec?.command ?? [];
  const out = new CappedSink();
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (t.signal.aborted) resolve('timeout');
    t.signal.addEventListener('abort', () => resolve('timeout'), { once: true });
  });
  const code = await Promise.race([t.runtime.exec(t.containerId, cmd, { stdout: out, stderr: out, signal: t.signal }), timedOut]);
  if (code === 'timeout' || t.signal.aborted) return { result: 'failure', output: `command ${JSON.stringify(cmd.join(' '))} timed out` };
  return code === 0 ? { result: 'success', output: out.text() } : { result: 'failure', output: out.text() };
}
