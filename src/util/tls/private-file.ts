// Atomic small-file writes for key material and credentials.

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface WriteFileOptions {
  /** File mode; 0o600 by default (secrets). */
  mode?: number;
}

/**
 * Writes `data` to `path` via a temporary file and rename, so readers never see a partial file
 * and the final file has exactly `mode` (0600 by default) even when it existed before with a
 * looser one. Creates the parent directory (0700) if missing.
 */
export async function writeFileAtomic(path: string, data: string, options: WriteFileOptions = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await chmod(tmp, mode); // the umask may have narrowed or the platform ignored `mode`
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Reads a file as UTF-8, or undefined when it does not exist. Other I/O errors throw. */
export async function readFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw err;
  }
}
