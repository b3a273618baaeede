// fsGroup on a volume, as kubelet's SetVolumeOwnership: every file and directory gets the group,
// group read/write (plus execute where the owner has it) and directories the setgid bit, so files
// created later inherit the group. With fsGroupChangePolicy OnRootMismatch a root that already has
// the group and setgid is taken as done (large volumes are not walked on every start).
import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function applyFsGroup(root: string, gid: number, opts: { policy?: string } = {}): Promise<void> {
  const st = await lstat(root);
  if (opts.policy === 'OnRootMismatch' && st.gid === gid && (st.mode & 0o2000) !== 0) return;
  await walk(root, gid);
}

async function walk(path: string, gid: number): Promise<void> {
  const st = await lstat(path);
  if (st.isSymbolicLink()) return;
  await lchown(path, st.uid, gid);
  let mode = st.mode & 0o7777;
  mode |= 0o060;
  if (mode & 0o100) mode |= 0o010;
  if (st.isDirectory()) mode |= 0o2000;
  await chmod(path, mode);
  if (!st.isDirectory()) return;
  for (const name of await readdir(path)) await walk(join(path, name), gid);
}
