import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { runCommand } from '../../util/command.ts';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * Unpacks one layer tar (plain or gzip) into `dest` as an overlayfs lower dir: OCI whiteouts
 * (`.wh.<name>`) become overlay whiteouts (0/0 char devices) and opaque markers become the
 * `trusted.overlay.opaque` xattr. Unpacks into a temp dir and renames, so a crash never leaves a
 * half-unpacked layer at `dest`. Returns the unpacked size in bytes.
 */
export async function unpackLayer(tarPath: string, dest: string): Promise<number> {
  await unpackInto(dest, (tmp) => runCommand('tar', ['-xf', tarPath, ...TAR_FLAGS(tmp)]).then(() => undefined));
  return (await stat(tarPath)).size;
}

const TAR_FLAGS = (dir: string): string[] => ['-C', dir, '--numeric-owner', '--same-permissions', '--no-overwrite-dir'];

/**
 * Like unpackLayer, from an uncompressed tar stream (a registry download being decompressed), so
 * unpacking runs while the blob downloads. `check` runs after the stream ended and before the
 * layer becomes visible: a throw there (a digest mismatch) discards the layer.
 */
export async function unpackLayerStream(source: Readable, dest: string, check: () => void): Promise<void> {
  await unpackInto(dest, async (tmp) => {
    const tar = spawn('tar', ['-xf', '-', ...TAR_FLAGS(tmp)], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    tar.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number>((resolve, reject) => tar.on('error', reject).on('close', (code) => resolve(code ?? 1)));
    try {
      await feed(source, tar.stdin);
    } catch (e) {
      tar.kill();
      await exited.catch(() => undefined);
      throw e;
    }
    const code = await exited;
    if (code !== 0) throw new Error(`unpacking layer: tar exited with ${code}: ${stderr.trim().slice(0, 500)}`);
    check();
  });
}

/**
 * Writes the whole of `source` into tar's stdin. tar stops reading at the end-of-archive blocks
 * and may exit before the stream's trailing padding: the rest is still read (and discarded), as
 * the caller hashes every byte. A source error rejects.
 */
async function feed(source: Readable, stdin: Writable): Promise<void> {
  let open = true;
  const closed = (): void => {
    open = false;
  };
  stdin.on('error', closed).on('close', closed);
  for await (const chunk of source) {
    if (!open || stdin.write(chunk as Buffer)) continue;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        stdin.off('drain', done).off('close', done);
        resolve();
      };
      stdin.on('drain', done).on('close', done);
    });
  }
  if (open) stdin.end();
}

async function unpackInto(dest: string, extract: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${dest}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await extract(tmp);
    await convertWhiteouts(tmp);
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function convertWhiteouts(root: string): Promise<void> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.name.startsWith(WHITEOUT)) continue;
    const dir = e.parentPath;
    await rm(join(dir, e.name), { force: true });
    if (e.name === OPAQUE) {
      await runCommand('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', dir]);
    } else {
      const target = join(dir, e.name.slice(WHITEOUT.length));
      await rm(target, { recursive: true, force: true });
      await runCommand('mknod', [target, 'c', '0', '0']);
    }
  }
}
