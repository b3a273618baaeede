// A RangeAllocator shared by every API server on one storage: the used set lives in the store as
// a RangeAllocation record (upstream keeps `/registry/ranges/serviceips` and
// `/registry/ranges/servicenodeports` the same way), and every change is a compare-and-swap on the
// record's modRevision. Two servers racing for one value: exactly one CAS wins, the other re-reads
// and sees the value taken.
//
// Concurrency: operations from this server queue up and are applied in batches, one CAS write per
// batch, so 50 concurrent creates cost a handful of writes, not 50 conflicting ones. A refusal
// (value taken, range full) is only answered after confirming the cached record is the stored one.
import type { Backend, KeyValue } from '../../storage/index.ts';
import { internalError } from '../errors.ts';
import { RangeAllocator } from './range-allocator.ts';

export interface StoredRangeOptions {
  /** Storage key of the record, e.g. /registry/ranges/serviceips. */
  readonly key: string;
  /** The range as text (a CIDR or `30000-32767`), kept in the record as upstream's `range`. */
  readonly range: string;
  readonly size: number;
  readonly minReserved: number;
  readonly maxReserved: number;
  readonly now?: () => Date;
}

/** Applies to a working copy; returns its answer. */
type Op = { run(a: RangeAllocator): unknown; resolve(v: unknown): void; reject(e: unknown): void };

const MAX_ATTEMPTS = 50;

interface RangeAllocationRecord {
  apiVersion: 'v1';
  kind: 'RangeAllocation';
  metadata: { creationTimestamp: string };
  range: string;
  data: string;
}

export class StoredRange {
  private readonly backend: Backend;
  private readonly opts: StoredRangeOptions;
  /** The record as last read or written: its content and modRevision. */
  private cache: { set: RangeAllocator; revision: number; created: string } | undefined;
  private readonly queue: Op[] = [];
  private flushing = false;

  constructor(backend: Backend, options: StoredRangeOptions) {
    this.backend = backend;
    this.opts = options;
  }

  /** Marks `held` used (creating the record on first start); returns values the record has beyond `held`. */
  async load(held: Iterable<number>): Promise<number[]> {
    const values = [...held];
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const kv = await this.backend.get(this.opts.key);
      if (!kv) {
        const set = this.empty();
        for (const n of values) set.allocate(n);
        const created = (this.opts.now?.() ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
        const res = await this.backend.create(this.opts.key, this.encode(set, created));
        if (res.ok) {
          this.cache = { set, revision: res.kv.modRevision, created };
          return [];
        }
        continue;
      }
      this.adopt(kv);
      const mine = new Set(values);
      const extra = this.cache!.set.values().filter((n) => !mine.has(n));
      if (values.every((n) => this.cache!.set.has(n))) return extra;
      await this.mutate((a) => values.forEach((n) => a.allocate(n)));
      return extra;
    }
    throw new Error(`could not initialize ${this.opts.key}: too many concurrent writers`);
  }

  /** Marks `n` used; false when it already was (in any server). */
  allocate(n: number): Promise<boolean> {
    return this.enqueue((a) => a.allocate(n));
  }

  /** A free value, or undefined when the range is full. */
  allocateNext(): Promise<number | undefined> {
    return this.enqueue((a) => a.allocateNext());
  }

  release(n: number): Promise<void> {
    return this.enqueue((a) => void a.release(n));
  }

  /** Free values as of the last read or write of the record. */
  get free(): number {
    return this.cache?.set.free ?? this.opts.size;
  }

  private mutate(fn: (a: RangeAllocator) => void): Promise<void> {
    return this.enqueue(fn);
  }

  private enqueue<T>(run: (a: RangeAllocator) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          const answers = await this.apply(batch);
          batch.forEach((op, i) => op.resolve(answers[i]));
        } catch (e) {
          for (const op of batch) op.reject(e);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Runs the batch against the stored record until one CAS write (or a confirmed no-op) holds. */
  private async apply(batch: Op[]): Promise<unknown[]> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (!this.cache) {
        const kv = await this.backend.get(this.opts.key);
        if (!kv) throw internalError(`the allocation record ${this.opts.key} is missing`);
        this.adopt(kv);
      }
      const cache = this.cache!;
      const next = cache.set.clone();
      const answers = batch.map((op) => op.run(next));
      const before = cache.set.toBytes();
      const after = next.toBytes();
      if (before.equals(after)) {
        // Nothing to write: the answers hold only if the cache is still the stored record.
        const kv = await this.backend.get(this.opts.key);
        if (kv && kv.modRevision === cache.revision) return answers;
        this.cache = undefined;
        if (kv) this.adopt(kv);
        continue;
      }
      const res = await this.backend.update(this.opts.key, this.encode(next, cache.created), cache.revision);
      if (res.ok) {
        this.cache = { set: next, revision: res.kv.modRevision, created: cache.created };
        return answers;
      }
      this.cache = undefined;
      if (res.current) this.adopt(res.current);
    }
    throw internalError(`failed to update ${this.opts.key}: too many concurrent writers`);
  }

  private empty(): RangeAllocator {
    return new RangeAllocator(this.opts.size, { minReserved: this.opts.minReserved, maxReserved: this.opts.maxReserved });
  }

  private adopt(kv: KeyValue): void {
    const record = JSON.parse(kv.value) as Partial<RangeAllocationRecord>;
    const set = this.empty();
    // A record for another range (the flag changed) is started over; repair re-adds what Services hold.
    if (record.range === this.opts.range) set.loadBytes(Buffer.from(record.data ?? '', 'base64'));
    this.cache = { set, revision: kv.modRevision, created: record.metadata?.creationTimestamp ?? '' };
  }

  private encode(set: RangeAllocator, created: string): string {
    const record: RangeAllocationRecord = {
      apiVersion: 'v1',
      kind: 'RangeAllocation',
      metadata: { creationTimestamp: created },
      range: this.opts.range,
      data: set.toBytes().toString('base64'),
    };
    return JSON.stringify(record);
  }
}
