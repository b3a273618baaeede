// Runs `count` operations with `concurrency` in flight and records each one's latency (ms).
import { performance } from 'node:perf_hooks';
import type { Progress } from './progress.ts';

export interface LoopResult {
  /** Latency of each successful operation, ms, in completion order. */
  readonly latencies: number[];
  /** Completion time of each successful operation, ms since the loop started. */
  readonly completedAt: number[];
  readonly errors: number;
  /** First few error messages, for the report. */
  readonly errorSamples: string[];
  readonly seconds: number;
}

export async function timedLoop(count: number, opts: { concurrency?: number; progress?: Progress }, op: (i: number) => Promise<void>): Promise<LoopResult> {
  const latencies: number[] = [];
  const completedAt: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      try {
        await op(i);
        const t1 = performance.now();
        latencies.push(t1 - t0);
        completedAt.push(t1 - start);
      } catch (e) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(e instanceof Error ? e.message : String(e));
      }
      opts.progress?.update(latencies.length + errors);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, worker));
  return { latencies, completedAt, errors, errorSamples, seconds: (performance.now() - start) / 1000 };
}
