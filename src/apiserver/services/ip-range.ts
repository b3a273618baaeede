// An IPv4 service CIDR as a range of allocatable offsets (upstream ipallocator.Range): the network
// and broadcast addresses are never handed out, so offset 0 is the first usable address.
import { isIPv4 } from 'node:net';

export interface IpRange {
  /** The CIDR as given, e.g. 10.43.0.0/16 (upstream prints it in "The range of valid IPs is ..."). */
  readonly cidr: string;
  /** Number of usable addresses. */
  readonly size: number;
  /** The usable address at `offset` (0-based). */
  ipAt(offset: number): string;
  /** The offset of `ip`, or undefined when outside the usable range. */
  offsetOf(ip: string): number | undefined;
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses `a.b.c.d/p` (IPv4, prefix 8..30); throws a plain Error naming the flag value otherwise. */
export function parseIpRange(cidr: string): IpRange {
  const [addr = '', prefixText = ''] = cidr.split('/');
  const prefix = Number(prefixText);
  if (!isIPv4(addr) || !/^\d+$/.test(prefixText) || prefix < 8 || prefix > 30) {
    throw new Error(`service cluster IP range must be an IPv4 CIDR from /8 to /30, got ${JSON.stringify(cidr)}`);
  }
  const hostBits = 32 - prefix;
  const base = Math.floor(ipToInt(addr) / 2 ** hostBits) * 2 ** hostBits;
  const size = 2 ** hostBits - 2;
  return {
    cidr: `${intToIp(base)}/${prefix}`,
    size,
    ipAt: (offset) => intToIp(base + 1 + offset),
    offsetOf(ip) {
      if (!isIPv4(ip)) return undefined;
      const off = ipToInt(ip) - base - 1;
      return off >= 0 && off < size ? off : undefined;
    },
  };
}

/** The n-th address of the range counting the network address as 0 (10.43.0.10 is the 10th). */
export function nthAddress(range: IpRange, n: number): string {
  return range.ipAt(n - 1);
}
