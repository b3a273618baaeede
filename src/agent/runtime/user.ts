import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

export function parsePasswd(text: string): PasswdEntry[] {
  return text
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 4 && /^\d+$/.test(f[2] ?? '') && /^\d+$/.test(f[3] ?? ''))
    .map((f) => ({ name: f[0] ?? '', uid: Number(f[2]), gid: Number(f[3]) }));
}

export function parseGroup(text: string): { name: string; gid: number }[] {
  return text
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 3 && /^\d+$/.test(f[2] ?? ''))
    .map((f) => ({ name: f[0] ?? '', gid: Number(f[2]) }));
}

/**
 * The uid/gid a container runs as: runAsUser/runAsGroup win over the image's `User`
 * (`name`, `uid`, `uid:gid`, `name:group`), names are looked up in the image's /etc/passwd and
 * /etc/group, and a uid without a group takes its passwd primary group (or 0), as docker does.
 */
export function resolveUser(
  opts: { imageUser?: string; runAsUser?: number; runAsGroup?: number; supplementalGroups?: number[] },
  files: { passwd: string; group: string },
): ProcessUser {
  const passwd = parsePasswd(files.passwd);
  const groups = parseGroup(files.group);
  const [userPart = '', groupPart] = (opts.imageUser ?? '').split(':');
  let uid = 0;
  let gid: number | undefined;
  if (opts.runAsUser !== undefined) {
    uid = opts.runAsUser;
  } else if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
  } else if (userPart) {
    const entry = passwd.find((p) => p.name === userPart);
    if (!entry) throw new Error(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = entry.uid;
    gid = entry.gid;
  }
  if (opts.runAsGroup !== undefined) gid = opts.runAsGroup;
  else if (groupPart && /^\d+$/.test(groupPart)) gid = Number(groupPart);
  else if (groupPart) {
    const g = groups.find((x) => x.name === groupPart);
    if (!g) throw new Error(`unable to find group ${groupPart}: no matching entries in group file`);
    gid = g.gid;
  }
  gid ??= passwd.find((p) => p.uid === uid)?.gid ?? 0;
  const user: ProcessUser = { uid, gid };
  if (opts.supplementalGroups?.length) user.additionalGids = [...opts.supplementalGroups];
  return user;
}

/** Reads /etc/passwd and /etc/group of a rootfs (empty when absent). */
export async function readUserFiles(rootfs: string): Promise<{ passwd: string; group: string }> {
  const read = (p: string) => readFile(join(rootfs, p), 'utf8').catch(() => '');
  return { passwd: await read('etc/passwd'), group: await read('etc/group') };
}
