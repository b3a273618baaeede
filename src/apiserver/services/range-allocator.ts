// A set of integers 0..size-1 handed out at most once (upstream's bitmap allocator). Dynamic
// picks prefer the upper band and leave the lower band to explicit requests, as upstream's
// reserved-range rule (KEP-3070/3668) does, so `kubectl create` with a fixed IP or port rarely
// collides with one chosen at random.
//
// Contract: callers run on one event loop; allocate/release are synchronous, so two concurrent
// requests can never get the same value. Several servers share one through StoredRange, which
// persists the set as a bitmap (toBytes/fromBytes) and swaps it with compare-and-swap.

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

  /** The used values in ascending order. */
  values(): number[] {
    return [...this.used].sort((a, b) => a - b);
  }

  /** A copy with the same size, reserved band and used values. */
  clone(): RangeAllocator {
    const copy = Object.create(RangeAllocator.prototype) as RangeAllocator;
    Object.assign(copy, { size: this.size, reserved: this.reserved, used: new Set(this.used) });
    return copy;
  }

  /** The used set as a bitmap: value n is bit n % 8 of byte n / 8. */
  toBytes(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.size / 8));
    for (const n of this.used) out[n >> 3]! |= 1 << (n & 7);
    return out;
  }

  /** Replaces the used set with the bitmap's (bits beyond `size` are ignored). */
  loadBytes(bytes: Uint8Array): void {
    this.used.clear();
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        const n = i * 8 + bit;
        if (b & (1 << bit) && n < this.size) this.used.add(n);
      }
    }
  }
}
