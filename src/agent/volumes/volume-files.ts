import { chmod, mkdir, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';

/** One file of a configMap/secret/downwardAPI/projected volume (the API data, already selected). */
export interface VolumeFile {
  /** Relative path inside the volume (`key`, or an `items[].path` such as `conf/app.yaml`). */
  path: string;
  content: string | Uint8Array;
  /** File mode; defaults to the volume's defaultMode. */
  mode?: number;
}

export interface WriteVolumeFilesOptions {
  /** Kubernetes' default is 0644. */
  defaultMode?: number;
}

const DATA_LINK = '..data';

/**
 * Writes a projected volume the way kubelet's atomic writer does: the files go into a fresh
 * timestamped dir, `..data` is switched to it with one rename, and each top-level name is a
 * symlink through `..data`. A container reading during an update sees the old or the new set,
 * never a mix. Call again with new data to update; old generations are removed.
 */
export async function writeVolumeFiles(dir: string, files: readonly VolumeFile[], opts: WriteVolumeFilesOptions = {}): Promise<void> {
  for (const f of files) validateRelativePath(f.path);
  await mkdir(dir, { recursive: true });
  const generation = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${Math.random().toString(36).slice(2, 8)}`;
  const genDir = join(dir, generation);
  await mkdir(genDir, { mode: 0o755 });
  for (const f of files) {
    const p = join(genDir, f.path);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, f.content);
    await chmod(p, f.mode ?? opts.defaultMode ?? 0o644);
  }
  await symlink(generation, join(dir, `${DATA_LINK}_tmp`));
  await rename(join(dir, `${DATA_LINK}_tmp`), join(dir, DATA_LINK));
  const top = new Set(files.map((f) => f.path.split('/')[0] ?? f.path));
  for (const name of top) {
    await rm(join(dir, name), { force: true, recursive: false }).catch(() => undefined);
    await symlink(join(DATA_LINK, name), join(dir, name));
  }
  for (const entry of await readdir(dir)) {
    if (entry.startsWith('..')) {
      if (entry !== DATA_LINK && entry !== generation) await rm(join(dir, entry), { recursive: true, force: true });
    } else if (!top.has(entry)) {
      await rm(join(dir, entry), { recursive: true, force: true });
    }
  }
}

function validateRelativePath(p: string): void {
  if (p === '' || p.startsWith('/') || normalize(p).split('/').includes('..') || p.startsWith('..')) {
    throw new Error(`invalid volume file path ${JSON.stringify(p)}: must be relative and may not contain '..'`);
  }
}
