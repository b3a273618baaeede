import { chmod, mkdir, symlink, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../util/command.ts';
import type { ImageConfig } from './types.ts';

export const BUSYBOX_NAME = 'busybox';
/** Debian's busybox-static: a static binary with httpd, wget, nc and sh. */
export const HOST_BUSYBOX = '/bin/busybox';

export const BUSYBOX_CONFIG: ImageConfig = {
  cmd: ['sh'],
  env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
};

/** Lays out a busybox root filesystem at `dir`: the binary, one symlink per applet, users, dirs. */
export async function buildBusyboxRootfs(dir: string): Promise<void> {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'home', 'proc', 'sys', 'dev', 'var/www', 'var/log', 'run']) {
    await mkdir(join(dir, d), { recursive: true });
  }
  await mkdir(join(dir, 'tmp'), { recursive: true });
  await chmod(join(dir, 'tmp'), 0o1777);
  await chmod(join(dir, 'root'), 0o700);
  await copyFile(HOST_BUSYBOX, join(dir, 'bin/busybox'));
  await chmod(join(dir, 'bin/busybox'), 0o755);
  const { stdout } = await runCommand(HOST_BUSYBOX, ['--list']);
  for (const applet of stdout.split('\n').map((s) => s.trim())) {
    if (!applet || applet === 'busybox' || applet.includes('/')) continue;
    await symlink('busybox', join(dir, 'bin', applet));
  }
  await writeFile(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
  await writeFile(join(dir, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
}
