import { mkdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';

export class SubPathError extends Error {
  override name = 'SubPathError';
}

/**
 * The host path for a volumeMount with `subPath`: `<volumeDir>/<subPath>`, created as a directory
 * when missing (as kubelet does). Rejects absolute paths and `..`, and any path that escapes the
 * volume through a symlink (the final path is resolved and must stay inside the volume).
 */
export async function resolveSubPath(volumeDir: string, subPath: string | undefined): Promise<string> {
  if (!subPath) return volumeDir;
  if (isAbsolute(subPath)) throw new SubPathError(`subPath ${JSON.stringify(subPath)} must be a relative path`);
  if (normalize(subPath).split(sep).includes('..')) throw new SubPathError(`subPath ${JSON.stringify(subPath)} must not contain '..'`);
  const root = await realpath(volumeDir);
  const candidate = join(root, subPath);
  await mkdir(candidate, { recursive: true, mode: 0o755 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  const real = await realpath(candidate);
  if (real !== root && !real.startsWith(root + sep)) {
    throw new SubPathError(`subPath ${JSON.stringify(subPath)} resolves outside the volume`);
  }
  return real;
}
