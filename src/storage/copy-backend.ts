// Copies every key under a prefix from one Backend into another (`peapod migrate`: SQLite → etcd).
// The target assigns its own revisions, so resourceVersions change as after an etcd restore;
// names, uids and contents stay. Keys already in the target are left alone and counted.
import type { Backend } from './backend.ts';

export interface CopyResult {
  readonly copied: number;
  readonly skipped: number;
}

const PAGE = 500;

export async function copyBackend(from: Backend, to: Backend, options: { prefix?: string; onProgress?: (copied: number) => void } = {}): Promise<CopyResult> {
  const prefix = options.prefix ?? '/registry/';
  let copied = 0;
  let skipped = 0;
  let startAfter: string | undefined;
  let revision: number | undefined;
  for (;;) {
    // One consistent snapshot: every page is read at the first page's revision.
    const page = await from.list(prefix, { limit: PAGE, startAfter, revision });
    revision = page.revision;
    for (const kv of page.items) {
      const result = await to.create(kv.key, kv.value);
      if (result.ok) copied++;
      else skipped++;
    }
    options.onProgress?.(copied);
    const last = page.items.at(-1);
    if (!last || page.remaining === 0) return { copied, skipped };
    startAfter = last.key;
  }
}
