import { readFile, rm } from 'node:fs/promises';
import { runCommand } from '../../util/command.ts';

export interface SweepOptions {
  /** Links (bridges, host-side veths) whose name starts with this are deleted. */
  linkPrefix?: string;
  /** Mounts (netns files, shm, rootfs overlays) under this path are unmounted, then it is deleted. */
  pathPrefix?: string;
  /** iptables nat rules/chains whose CNI comment names a network starting with this are deleted. */
  networkNamePrefix?: string;
}

/**
 * Removes what crashed runs left behind: mounts under a state dir, bridges, portmap rules.
 * Best effort and idempotent; never touches anything that does not match a prefix.
 */
export async function sweep(opts: SweepOptions): Promise<void> {
  if (opts.pathPrefix) {
    const prefix = opts.pathPrefix;
    const info = await readFile('/proc/self/mountinfo', 'utf8');
    const mounts = info
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
      .filter((p) => p.startsWith(prefix))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) await runCommand('umount', ['-l', m], { allowFailure: true });
    await rm(prefix, { recursive: true, force: true }).catch(() => undefined);
  }
  if (opts.linkPrefix) {
    const { stdout } = await runCommand('ip', ['-o', 'link', 'show'], { allowFailure: true });
    for (const line of stdout.split('\n')) {
      const name = line.split(':')[1]?.trim().split('@')[0];
      if (name?.startsWith(opts.linkPrefix)) await runCommand('ip', ['link', 'del', name], { allowFailure: true });
    }
  }
  if (opts.networkNamePrefix) await sweepPortmapRules(opts.networkNamePrefix);
}

async function sweepPortmapRules(networkPrefix: string): Promise<void> {
  const { stdout, code } = await runCommand('iptables', ['-w', '-t', 'nat', '-S'], { allowFailure: true });
  if (code !== 0) return;
  const chains = new Set<string>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('-A ') || !line.includes(`name: \\"${networkPrefix}`)) continue;
    const jump = /-j (CNI-[A-Za-z0-9-]+)/.exec(line)?.[1];
    if (jump) chains.add(jump);
    await runCommand('iptables', ['-w', '-t', 'nat', ...(line.replace(/^-A /, '-D ').match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? []).map(unquote)], {
      allowFailure: true,
    });
  }
  for (const c of chains) {
    await runCommand('iptables', ['-w', '-t', 'nat', '-F', c], { allowFailure: true });
    await runCommand('iptables', ['-w', '-t', 'nat', '-X', c], { allowFailure: true });
  }
}

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/\\"/g, '"') : s;
}
