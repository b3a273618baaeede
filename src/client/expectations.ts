// ControllerExpectations, as kube-controller-manager's pkg/controller/controller_utils.go: a
// controller that just created or deleted N children records that it expects to *observe* N
// adds/deletes through its informer before it trusts the cache again, so a sync running before
// the watch catches up does not create the same pods twice. Records older than the TTL (5 min)
// count as satisfied, so a lost event cannot wedge a controller forever.
//
// Keys are controller keys (`ns/name`). Not safe against two workers per key — the workqueue
// guarantees that never happens.

import { realClock, type Clock } from '../util/index.ts';

export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Pending {
  add: number;
  del: number;
  at: number;
  /** Keys of children whose deletion is expected (UID-tracking variant). */
  deleting?: Set<string>;
}

export interface Expectations {
  /** True if the controller may sync `key`: nothing pending, or the record expired. */
  satisfied(key: string): boolean;
  /** Replaces the record: expect `adds` creations (resets deletions). */
  expectCreations(key: string, adds: number): void;
  expectDeletions(key: string, dels: number): void;
  setExpectations(key: string, adds: number, dels: number): void;
  /** Adds to the pending counts without resetting the TTL clock. */
  raiseExpectations(key: string, adds: number, dels: number): void;
  /** The informer saw one creation (or a create call failed, so it never will). */
  creationObserved(key: string): void;
  deletionObserved(key: string): void;
  /**
   * UID-tracking variant (ReplicaSet): expect the deletion of exactly these children; a repeated
   * observation for the same child (DELETED after a relist tombstone) is counted once.
   */
  expectDeletionsOf(key: string, childKeys: string[]): void;
  deletionObservedOf(key: string, childKey: string): void;
  /** Forget the controller (it was deleted). */
  delete(key: string): void;
  /** Pending counts, for logs and tests. */
  get(key: string): { add: number; del: number; expired: boolean } | undefined;
}

export function createExpectations(opts: { clock?: Clock; ttlMs?: number } = {}): Expectations {
  const clock = opts.clock ?? realClock;
  const ttl = opts.ttlMs ?? EXPECTATIONS_TTL_MS;
  const records = new Map<string, Pending>();

  const set = (key: string, add: number, del: number, deleting?: Set<string>): void =>
    void records.set(key, { add, del, at: clock.now(), ...(deleting ? { deleting } : {}) });

  const lower = (key: string, add: number, del: number): void => {
    const r = records.get(key);
    if (!r) return;
    r.add -= add;
    r.del -= del;
  };

  const e: Expectations = {
    satisfied(key) {
      const r = records.get(key);
      if (!r) return true;
      if (r.add <= 0 && r.del <= 0) return true;
      return clock.now() - r.at > ttl;
    },
    expectCreations: (key, adds) => set(key, adds, 0),
    expectDeletions: (key, dels) => set(key, 0, dels),
    setExpectations: (key, adds, dels) => set(key, adds, dels),
    raiseExpectations(key, adds, dels) {
      const r = records.get(key);
      if (!r) return set(key, adds, dels);
      r.add += adds;
      r.del += dels;
    },
    creationObserved: (key) => lower(key, 1, 0),
    deletionObserved: (key) => lower(key, 0, 1),
    expectDeletionsOf: (key, childKeys) => {
      const deleting = new Set(childKeys);
      set(key, 0, deleting.size, deleting);
    },
    deletionObservedOf(key, childKey) {
      const r = records.get(key);
      if (!r?.deleting?.delete(childKey)) return;
      r.del -= 1;
    },
    delete: (key) => void records.delete(key),
    get(key) {
      const r = records.get(key);
      return r && { add: r.add, del: r.del, expired: clock.now() - r.at > ttl };
    },
  };
  return e;
}
