import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Stats } from 'node:fs';

export type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

export class HostPathTypeError extends Error {
  override name = 'HostPathTypeError';
}

/**
 * Checks (and for the *OrCreate types creates) a hostPath volume's path, with kubelet's messages,
 * e.g. `hostPath type check failed: /x is not a directory`. The empty type checks nothing.
 */
export async function prepareHostPath(path: string, type: HostPathType | undefined): Promise<void> {
  const st: Stats | undefined = await stat(path).catch(() => undefined);
  switch (type ?? '') {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!st) {
        await mkdir(path, { recursive: true, mode: 0o755 });
        await chmod(path, 0o755);
        return;
      }
      if (!st.isDirectory()) throw fail(path, 'is not a directory');
      return;
    case 'FileOrCreate':
      if (!st) {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, '', { mode: 0o644, flag: 'a' });
        return;
      }
      if (!st.isFile()) throw fail(path, 'is not a file');
      return;
    case 'Directory':
      if (!st?.isDirectory()) throw fail(path, st ? 'is not a directory' : 'does not exist');
      return;
    case 'File':
      if (!st?.isFile()) throw fail(path, st ? 'is not a file' : 'does not exist');
      return;
    case 'Socket':
      if (!st?.isSocket()) throw fail(path, st ? 'is not a socket file' : 'does not exist');
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw fail(path, st ? 'is not a character device' : 'does not exist');
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw fail(path, st ? 'is not a block device' : 'does not exist');
      return;
    default:
      throw new HostPathTypeError(`invalid hostPath type ${JSON.stringify(type)}`);
  }
}

function fail(path: string, what: string): HostPathTypeError {
  return new HostPathTypeError(`hostPath type check failed: ${path} ${what}`);
}
