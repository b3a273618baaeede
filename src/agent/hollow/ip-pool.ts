/**
 * IPv4 addresses of one CIDR handed out lowest-first after the gateway (.1), never the network
 * or broadcast address. Free addresses are reused before new ones (like host-local IPAM's
 * released list); O(1) per allocate/free.
 */
export class IpPool {
  readonly #base: number;
  readonly #size: number;
  #next = 2;
  readonly #free: number[] = [];
  readonly #used = new Set<number>();

  constructor(cidr: string) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    if (!m) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
    const bits = Number(m[5]);
    if (bits > 30 || bits < 8) throw new Error(`CIDR ${cidr} must be between /8 and /30`);
    const addr = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
    this.#size = 2 ** (32 - bits);
    this.#base = addr - (addr % this.#size);
  }

  allocate(): string {
    let off = this.#free.pop();
    if (off === undefined) {
      if (this.#next >= this.#size - 1) throw new Error('no IP addresses available in range set');
      off = this.#next++;
    }
    this.#used.add(off);
    return toIp(this.#base + off);
  }

  free(ip: string): void {
    const off = fromIp(ip) - this.#base;
    if (this.#used.delete(off)) this.#free.push(off);
  }
}

function toIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function fromIp(ip: string): number {
  return ip.split('.').reduce((a, p) => ((a << 8) | Number(p)) >>> 0, 0);
}
