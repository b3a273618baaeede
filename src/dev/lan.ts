// The dev cluster's "LAN" (see cluster.ts for the picture): the bridge in the root namespace, one
// network namespace per host wired to it, host-gw routes between the hosts' pod CIDRs. Everything
// is named with PREFIX and the root-namespace routes carry ROUTE_PROTO, so sweep.ts finds them.
import { runCommand } from '../util/index.ts';

export const PREFIX = 'ppdc-';
export const DEV_BRIDGE = `${PREFIX}br0`;
/** The "LAN" of the hosts; the server is .1, host i is .(10+i). */
export const HOST_NET = '10.41.0';
export const SERVER_IP = `${HOST_NET}.1`;
export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';
/** The server's default --service-cluster-ip-range (the agents' default too). */
export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';
/** `ip route ... proto 77`: marks the routes a dev cluster added in the root namespace. */
export const ROUTE_PROTO = '77';

/** A host's place on the LAN. */
export interface LanHost {
  netns: string;
  veth: string;
  ip: string;
  podCidr: string;
}

/** The i-th /24 (1-based) of a /16 cluster CIDR: 10.42.0.0/16, 3 → 10.42.3.0/24. */
export function nodePodCidr(clusterCidr: string, index: number): string {
  const m = /^(\d+)\.(\d+)\.0\.0\/16$/.exec(clusterCidr);
  if (!m) throw new Error(`cluster CIDR must be a /16 like 10.42.0.0/16, got ${clusterCidr}`);
  if (index < 1 || index > 255) throw new Error(`node index ${index} out of range`);
  return `${m[1]}.${m[2]}.${index}.0/24`;
}

export function nodeName(index: number): string {
  return `${PREFIX}node${index}`;
}

/** The bridge with the server's address, and unreachable routes so pod and service traffic never leaves the machine. */
export async function createDevLan(clusterCidr: string): Promise<void> {
  await ip(['link', 'add', DEV_BRIDGE, 'type', 'bridge']);
  await ip(['addr', 'add', `${SERVER_IP}/24`, 'dev', DEV_BRIDGE]);
  await ip(['link', 'set', DEV_BRIDGE, 'up']);
  await ip(['route', 'add', 'unreachable', clusterCidr, 'proto', ROUTE_PROTO]);
  // Service VIPs live only inside the hosts (each agent's nftables): none leaves the machine.
  await ip(['route', 'add', 'unreachable', DEFAULT_SERVICE_CIDR, 'proto', ROUTE_PROTO]).catch(() => undefined);
}

/** A host's network namespace, its veth on the bridge and its address; forwarding on. */
export async function addHostToLan(s: LanHost): Promise<void> {
  await ip(['netns', 'add', s.netns]);
  await ip(['link', 'add', s.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', s.netns]);
  await ip(['link', 'set', s.veth, 'master', DEV_BRIDGE, 'up']);
  await ip(['-n', s.netns, 'link', 'set', 'lo', 'up']);
  await ip(['-n', s.netns, 'addr', 'add', `${s.ip}/24`, 'dev', 'eth0']);
  await ip(['-n', s.netns, 'link', 'set', 'eth0', 'up']);
  // The host routes pods' traffic to other hosts (the bridge plugin would set this only at the first pod).
  await runCommand('ip', ['netns', 'exec', s.netns, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
}

/** host-gw: every host routes the other hosts' pod CIDRs to their addresses on the dev LAN. */
export async function routeHostPodCidrs(specs: readonly LanHost[]): Promise<void> {
  for (const s of specs) {
    for (const other of specs) {
      if (other !== s) await ip(['-n', s.netns, 'route', 'add', other.podCidr, 'via', other.ip, 'dev', 'eth0']);
    }
  }
}

export async function ip(args: string[]): Promise<void> {
  await runCommand('ip', args);
}

export async function netnsPids(ns: string): Promise<number[]> {
  const { stdout } = await runCommand('ip', ['netns', 'pids', ns], { allowFailure: true });
  return stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}
