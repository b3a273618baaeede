// A set of integers 0..size-1 handed out at most once (upstream's bitmap allocator). Dynamic
// picks prefer the upper band and leave the lower band to explicit requests, as upstream's
// reserved-range rule (KEP-3070/3668) does, so `kubectl create` with a fixed IP or port rarely
// collides with one chosen at random.
//
// Contract: callers run on one event loop; allocate/release are synchronous, so two concurrent
// requests can never get the same value.

export class RangeAllocator {
  private readonly used = new Set<number>();
  readonly size: number;
  private readonly reserved: number;

  constructor(size: number, options: { minReserved: number; maxReserved: number }) {
    this.size = size;
    this.reserved = Math.min(Math.max(options.minReserved, Math.floor(size / 16)), options.maxReserved, size);
  }

  has(n: number): boolean {
    return this.used.has(n);
  }

  /** Marks `n` used; false when it already was. */
  allocate(n: number): boolean {
    if (this.used.has(n)) return false;
    this.used.add(n);
    return true;
  }

  /** A free value (upper band first, then the reserved lower band), or undefined when full. */
  allocateNext(): number | undefined {
    const pick = (lo: number, hi: number): number | undefined => {
      const span = hi - lo;
      if (span <= 0) return undefined;
      const start = Math.floor(Math.random() * span);
      for (let i = 0; i < span; i++) {
        const n = lo + ((start + i) % span);
        if (!this.used.has(n)) {
          this.used.add(n);
          return n;
        }
      }
      return undefined;
    };
    return pick(this.reserved, this.size) ?? pick(0, this.reserved);
  }

  release(n: number): void {
    this.used.delete(n);
  }

  get free(): number {
    return this.size - this.used.size;
  }
}
