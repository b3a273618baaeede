// Everything a benchmark starts (server processes, temp dirs) registers how to undo it here, so it is
// undone on normal completion, on an exception, and on SIGINT/SIGTERM. Each entry has an async
// path (graceful) and a sync path for process 'exit', where only synchronous work can run.

interface Entry {
  readonly graceful: () => Promise<void> | void;
  readonly immediate: () => void;
}

const entries = new Set<Entry>();
let installed = false;
let signalled = false;

/** True once SIGINT/SIGTERM has started cleanup: start nothing new. */
export function isShuttingDown(): boolean {
  return signalled;
}

/** Registers an undo step; the returned function runs it now (gracefully) and unregisters it. */
export function onCleanup(graceful: () => Promise<void> | void, immediate: () => void = () => {}): () => Promise<void> {
  install();
  const entry: Entry = { graceful, immediate };
  entries.add(entry);
  return async () => {
    if (!entries.delete(entry)) return;
    await entry.graceful();
  };
}

/** Runs every registered step, newest first. Errors are reported, not thrown. */
export async function cleanupAll(): Promise<void> {
  for (const entry of [...entries].reverse()) {
    entries.delete(entry);
    try {
      await entry.graceful();
    } catch (e) {
      process.stderr.write(`cleanup failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      signalled = true;
      process.stderr.write(`\n${signal}: cleaning up...\n`);
      void cleanupAll().finally(() => process.exit(code));
    });
  }
  process.once('exit', () => {
    for (const entry of [...entries].reverse()) {
      try {
        entry.immediate();
      } catch {
        // Exiting anyway; nothing more can be done synchronously.
      }
    }
  });
}
