// Remembers the slices this controller wrote per Service until its informer has seen them
// (upstream endpointSliceTracker): a sync that ran on an older cache would create duplicates or
// resurrect deleted endpoints, so it waits for the cache instead.
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

const DELETED = -1;

export class SliceTracker {
  private readonly written = new Map<string, Map<string, number>>();

  wrote(serviceKey: string, slice: EndpointSlice): void {
    this.entry(serviceKey).set(slice.metadata?.name ?? '', Number(slice.metadata?.resourceVersion ?? 0));
  }

  deleted(serviceKey: string, name: string): void {
    this.entry(serviceKey).set(name, DELETED);
  }

  /** True while the cache (`cached`) lacks a write of ours; forgets writes it has caught up with. */
  stale(serviceKey: string, cached: readonly EndpointSlice[]): boolean {
    const mine = this.written.get(serviceKey);
    if (!mine) return false;
    const byName = new Map(cached.map((s) => [s.metadata?.name ?? '', Number(s.metadata?.resourceVersion ?? 0)]));
    let stale = false;
    for (const [name, rv] of mine) {
      const seen = byName.get(name);
      const caughtUp = rv === DELETED ? seen === undefined : seen !== undefined && seen >= rv;
      if (caughtUp) mine.delete(name);
      else stale = true;
    }
    if (mine.size === 0) this.written.delete(serviceKey);
    return stale;
  }

  forget(serviceKey: string): void {
    this.written.delete(serviceKey);
  }

  private entry(key: string): Map<string, number> {
    let m = this.written.get(key);
    if (!m) this.written.set(key, (m = new Map()));
    return m;
  }
}
