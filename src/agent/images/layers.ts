import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../runtime/command.ts';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * Unpacks one layer tar (plain or gzip) into `dest` as an overlayfs lower dir: OCI whiteouts
 * (`.wh.<name>`) become overlay whiteouts (0/0 char devices) and opaque markers become the
 * `trusted.overlay.opaque` xattr. Unpacks into a temp dir and renames, so a crash never leaves a
 * half-unpacked layer at `dest`. Returns the unpacked size in bytes.
 */
export async function unpackLayer(tarPath: string, dest: string): Promise<number> {
  const tmp = `${dest}.tmp-${process.pid}-${Date.now()}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await runCommand('tar', ['-xf', tarPath, '-C', tmp, '--numeric-owner', '--same-permissions', '--no-overwrite-dir']);
    await convertWhiteouts(tmp);
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return (await stat(tarPath)).size;
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
