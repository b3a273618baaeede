import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runCommand } from '../util/command.ts';

/** DESIGN.md: the cluster's pod CIDR is 10.42.0.0/16 and every node gets one /24 of it. */
export const CLUSTER_POD_CIDR = '10.42.0.0/16';
export const BRIDGE_PREFIX = 'ppd';

export interface AgentNetworkConfig {
  /** Linux bridge the CNI bridge plugin creates on the first pod (≤ 15 chars). */
  bridge: string;
  /** The node's pod /24. */
  subnet: string;
}

export interface ChooseNetworkOptions {
  /** Where the choice is kept so a restarted agent (and its adopted pods) keeps it. */
  statePath: string;
  /** From Node.spec.podCIDR or a flag; wins over the saved and the automatic choice. */
  podCidr?: string;
  bridge?: string;
}

/**
 * Picks the agent's bridge and pod subnet once and remembers them. Without flags the first
 * 10.42.<N>.0/24 with no route on this machine is taken and the bridge is named after it,
 * `ppd<N>`, so a single node gets `ppd0` and 10.42.0.0/24 and a unique subnet means a unique
 * bridge. The bridge (and so the route) appears with the first pod: agents started at the same
 * moment should be given distinct subnets. A saved choice is reused as is: its pods may still run.
 */
export async function chooseNetwork(opts: ChooseNetworkOptions): Promise<AgentNetworkConfig> {
  const saved = existsSync(opts.statePath) ? (JSON.parse(await readFile(opts.statePath, 'utf8')) as Partial<AgentNetworkConfig>) : {};
  const links = await hostLinks();
  const routes = await hostRoutes();
  const subnet =
    opts.podCidr ??
    saved.subnet ??
    firstFree(
      (n) => `10.42.${n}.0/24`,
      (s) => !routes.has(s),
    );
  const octet = /^10\.42\.(\d+)\.0\/24$/.exec(subnet)?.[1];
  const bridge =
    opts.bridge ??
    saved.bridge ??
    (octet !== undefined
      ? `${BRIDGE_PREFIX}${octet}`
      : firstFree(
          (n) => `${BRIDGE_PREFIX}x${n}`,
          (b) => !links.has(b),
        ));
  if (bridge.length > 15) throw new Error(`bridge name ${bridge} is longer than 15 characters`);
  const config = { bridge, subnet };
  if (saved.bridge !== bridge || saved.subnet !== subnet) {
    await mkdir(dirname(opts.statePath), { recursive: true });
    await writeFile(opts.statePath, JSON.stringify(config, null, 2));
  }
  return config;
}

/** A route to `subnet` through another device means pod traffic would go elsewhere. */
export async function subnetConflict(config: AgentNetworkConfig): Promise<string | undefined> {
  const { stdout } = await runCommand('ip', ['-o', '-4', 'route', 'show', config.subnet], { allowFailure: true });
  const dev = /\bdev (\S+)/.exec(stdout)?.[1];
  return dev && dev !== config.bridge ? `pod subnet ${config.subnet} is already routed through ${dev}` : undefined;
}

function firstFree(name: (n: number) => string, free: (candidate: string) => boolean): string {
  for (let n = 0; n < 256; n++) if (free(name(n))) return name(n);
  throw new Error(`no free ${name(0)}-style name among 256`);
}

async function hostLinks(): Promise<Set<string>> {
  const { stdout } = await runCommand('ip', ['-o', 'link', 'show'], { allowFailure: true });
  return new Set(
    stdout
      .split('\n')
      .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
      .filter(Boolean),
  );
}

async function hostRoutes(): Promise<Set<string>> {
  const { stdout } = await runCommand('ip', ['-o', '-4', 'route', 'show'], { allowFailure: true });
  return new Set(
    stdout
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter(Boolean),
  );
}
