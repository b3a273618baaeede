// Cumulative CPU counters → cores, as cadvisor and metrics-server do: the rate between two
// consecutive readings of the same counter. The first reading of a cgroup is measured against the
// moment it started (its counter began at 0 there), so a container has a rate from its first
// scrape. Readings closer together than `minWindowMs` keep the last rate: a burst of scrapes
// (kubectl top right after the HPA) must not turn into a noisy millisecond window.

interface Point {
  ns: number;
  ms: number;
}

interface Entry {
  last: Point;
  rate?: number;
  seenAt: number;
}

export interface RateTrackerOptions {
  /** Default 1 s. */
  minWindowMs?: number;
  /** Entries not read for this long are dropped (deleted pods); default 10 min. */
  forgetAfterMs?: number;
}

export class RateTracker {
  readonly #entries = new Map<string, Entry>();
  readonly #minWindowMs: number;
  readonly #forgetAfterMs: number;

  constructor(opts: RateTrackerOptions = {}) {
    this.#minWindowMs = opts.minWindowMs ?? 1000;
    this.#forgetAfterMs = opts.forgetAfterMs ?? 600_000;
  }

  /**
   * Records `cpuNs` read at `nowMs` for `key` and returns the usage in nano-cores over the window
   * since the previous reading (or since `startMs`). Undefined when there is no usable window yet.
   * A counter that went backwards (the cgroup was recreated) restarts from this reading.
   */
  observe(key: string, cpuNs: number, nowMs: number, startMs: number): number | undefined {
    const e = this.#entries.get(key);
    if (!e) {
      const dt = nowMs - startMs;
      const rate = Number.isFinite(startMs) && dt >= this.#minWindowMs ? (cpuNs / dt) * 1e3 : undefined;
      this.#entries.set(key, { last: { ns: cpuNs, ms: nowMs }, rate, seenAt: nowMs });
      return rate;
    }
    e.seenAt = nowMs;
    if (cpuNs < e.last.ns) {
      e.last = { ns: cpuNs, ms: nowMs };
      e.rate = undefined;
      return undefined;
    }
    const dt = nowMs - e.last.ms;
    if (dt < this.#minWindowMs) return e.rate;
    e.rate = ((cpuNs - e.last.ns) / dt) * 1e3;
    e.last = { ns: cpuNs, ms: nowMs };
    return e.rate;
  }

  /** Drops keys not observed for a while; call once per scrape. */
  forget(nowMs: number): void {
    for (const [k, e] of this.#entries) if (nowMs - e.seenAt > this.#forgetAfterMs) this.#entries.delete(k);
  }
}
