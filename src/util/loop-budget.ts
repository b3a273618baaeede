// Long loops on the event loop (decoding and encoding a large LIST) give way to queued requests
// when they have run for a few milliseconds, measured rather than counted in items: under load
// (or with large objects) a fixed count of items can hold the loop for tens of milliseconds.

/** Milliseconds a loop may hold the event loop before it yields. */
export const DEFAULT_SLICE_MS = 2;

export interface LoopBudget {
  /** Resolves at once while the slice lasts; after `sliceMs`, on the next turn of the event loop. */
  yieldIfSpent(): Promise<void> | undefined;
}

export function loopBudget(sliceMs = DEFAULT_SLICE_MS, now: () => number = () => performance.now()): LoopBudget {
  let started = now();
  return {
    yieldIfSpent() {
      if (now() - started < sliceMs) return undefined;
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          started = now();
          resolve();
        }),
      );
    },
  };
}
