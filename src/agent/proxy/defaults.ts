// Defaults every node must agree on with the API server (DESIGN.md; k3s's values).
import { CLUSTER_POD_CIDR } from '../agent-network.ts';

export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
export { CLUSTER_POD_CIDR };

/** The kube-dns ClusterIP of a service CIDR: its 10th address (10.43.0.0/16 → 10.43.0.10), as the API server reserves it. */
export function clusterDnsIp(serviceCidr: string): string {
  const [base = '', bits = ''] = serviceCidr.split('/');
  const octets = base.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) || !/^\d+$/.test(bits)) {
    throw new Error(`service CIDR must be an IPv4 CIDR, got ${JSON.stringify(serviceCidr)}`);
  }
  const hostBits = 32 - Number(bits);
  const n = octets.reduce((a, o) => a * 256 + o, 0);
  const ip = Math.floor(n / 2 ** hostBits) * 2 ** hostBits + 10;
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}
