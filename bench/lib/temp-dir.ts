import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.ts';

/** A fresh directory under the OS temp dir, removed at cleanup. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  onCleanup(remove, remove);
  return dir;
}
