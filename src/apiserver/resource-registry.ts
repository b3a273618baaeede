// The served resources as an observable set. Built-in entries are added at start-up; custom
// resources (CRDs) are added and removed at run time. Discovery, OpenAPI, the router and Table output
// read the current set on every request, so a change is visible to the next request without restart.
import type { ResourceEntry } from './registry/types.ts';
import type { GenericStore } from './store/generic-store.ts';

/** A served resource: its registry entry and the store that keeps its objects. */
export interface ResourceHandle {
  readonly entry: ResourceEntry;
  readonly store: GenericStore;
}

export class ResourceRegistry {
  private handles: ResourceHandle[] = [];
  private readonly byGvr = new Map<string, ResourceHandle>();
  private readonly listeners = new Set<() => void>();
  /** Bumped on every change; caches derived from the set (OpenAPI) compare it. */
  generation = 0;

  constructor(private readonly makeStore: (entry: ResourceEntry) => GenericStore) {}

  get all(): readonly ResourceHandle[] {
    return this.handles;
  }

  get(group: string, version: string, resource: string): ResourceHandle | undefined {
    return this.byGvr.get(`${group}/${version}/${resource}`);
  }

  /** The first registered version of a group/resource (built-ins have one; CRDs their first served). */
  byGroupResource(group: string, resource: string): ResourceHandle | undefined {
    return this.handles.find((h) => h.entry.group === group && h.entry.resource === resource);
  }

  /** Adds (or replaces, keeping the position) the entry for its group/version/resource. */
  add(entry: ResourceEntry): ResourceHandle {
    const key = `${entry.group}/${entry.version}/${entry.resource}`;
    const handle = { entry, store: this.makeStore(entry) };
    const old = this.byGvr.get(key);
    this.handles = old ? this.handles.map((h) => (h === old ? handle : h)) : [...this.handles, handle];
    this.byGvr.set(key, handle);
    this.changed();
    return handle;
  }

  /** Removes every version of a group/resource whose entry `which` selects (default: all). */
  remove(group: string, resource: string, which: (entry: ResourceEntry) => boolean = () => true): void {
    const gone = this.handles.filter((h) => h.entry.group === group && h.entry.resource === resource && which(h.entry));
    if (gone.length === 0) return;
    for (const h of gone) this.byGvr.delete(`${h.entry.group}/${h.entry.version}/${h.entry.resource}`);
    this.handles = this.handles.filter((h) => !gone.includes(h));
    this.changed();
  }

  /** Calls `fn` after every change; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.generation++;
    for (const fn of this.listeners) fn();
  }
}
