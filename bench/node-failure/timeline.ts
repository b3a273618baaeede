// What the node-failure benchmark sees of one node death, from three watches (the victim's Lease,
// Nodes, the Deployment's Pods): the moment each stage of the failover is first visible to a
// client, so the breakdown tells where the time goes — detection (lease expiry noticed by the node
// lifecycle controller), tainting, taint-based eviction, the ReplicaSet's replacements, the
// scheduler's bindings and the agents' starts. Times are `performance.now()` at event arrival.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resources, type Client, type KubeObject, type ResourceRef } from '../../src/client/index.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

export const isReady = (p: Pod): boolean =>
  p.status?.phase === 'Running' && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** One stage of the failover: its name and the moment the last object reached it. */
export const STAGES = [
  ['unknown', 'node Ready=Unknown'],
  ['tainted', 'unreachable:NoExecute taint'],
  ['evicted', 'lost pods deleted (deletionTimestamp)'],
  ['created', 'replacements created'],
  ['bound', 'replacements bound'],
  ['running', 'replacements Running and Ready'],
] as const;
export type Stage = (typeof STAGES)[number][0];

/** One kill: filled in by the watches. */
export interface Round {
  readonly victim: string;
  readonly killedAt: number;
  /** UIDs of the victim's pods at the kill. */
  readonly lost: ReadonlySet<string>;
  /** When the bench last saw the victim's lease renewed before the kill. */
  lastRenewAt?: number;
  at: Partial<Record<Stage, number>>;
  readonly replacements: Map<string, { created: number; bound?: number; running?: number }>;
  readonly deleted: Set<string>;
}

export class Timeline {
  readonly pods = new Map<string, Pod>();
  readonly #renewAt = new Map<string, number>();
  readonly #abort = new AbortController();
  readonly #watches: Promise<void>[] = [];
  #round: Round | undefined;
  #onChange: (() => void) | undefined;

  constructor(
    readonly client: Client,
    readonly ns: string,
    readonly replicas: number,
  ) {}

  start(): void {
    this.#watch<Pod>(resources.pods, this.ns, (type, p) => this.#onPod(type, p));
    this.#watch<Node>(resources.nodes, undefined, (_type, n) => this.#onNode(n));
    this.#watch<Lease>(resources.leases, NODE_LEASE_NAMESPACE, (type, l) => {
      if (type !== 'DELETED') this.#renewAt.set(l.metadata?.name ?? '', performance.now());
    });
  }

  /** Starts a round at the kill of `victim`; resolves when every replica is Running again off it. */
  kill(victim: string, stop: () => void, timeoutMs: number): Promise<Round> {
    const lost = new Set(
      [...this.pods.values()].filter((p) => p.spec?.nodeName === victim && !p.metadata?.deletionTimestamp).map((p) => p.metadata?.uid ?? ''),
    );
    const round: Round = {
      victim,
      killedAt: performance.now(),
      lost,
      lastRenewAt: this.#renewAt.get(victim),
      at: {},
      replacements: new Map(),
      deleted: new Set(),
    };
    this.#round = round;
    stop();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`replacements not Running ${timeoutMs} ms after killing ${victim}`)), timeoutMs);
      this.#onChange = () => {
        if (round.at.running === undefined) return;
        clearTimeout(timer);
        this.#onChange = undefined;
        this.#round = undefined;
        resolve(round);
      };
    });
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#watches);
  }

  #watch<T extends KubeObject>(ref: ResourceRef, ns: string | undefined, fn: (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T) => void): void {
    const run = this.client
      .watch<T>(ref, ns, { signal: this.#abort.signal, timeoutSeconds: 3600 }, (ev) => {
        if (ev.type !== 'ERROR' && ev.type !== 'BOOKMARK') fn(ev.type, ev.object);
      })
      .catch(() => undefined);
    this.#watches.push(run);
  }

  #onNode(n: Node): void {
    const r = this.#round;
    if (!r || n.metadata?.name !== r.victim) return;
    const now = performance.now();
    if (r.at.unknown === undefined && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'Unknown')) r.at.unknown = now;
    if (r.at.tainted === undefined && n.spec?.taints?.some((t) => t.key === UNREACHABLE && t.effect === 'NoExecute')) r.at.tainted = now;
  }

  #onPod(type: 'ADDED' | 'MODIFIED' | 'DELETED', p: Pod): void {
    const uid = p.metadata?.uid ?? '';
    if (type === 'DELETED') this.pods.delete(uid);
    else this.pods.set(uid, p);
    const r = this.#round;
    if (!r) return;
    const now = performance.now();
    if (r.lost.has(uid)) {
      if (p.metadata?.deletionTimestamp || type === 'DELETED') r.deleted.add(uid);
      if (r.at.evicted === undefined && r.deleted.size === r.lost.size) r.at.evicted = now;
    } else if (type === 'ADDED' && !r.replacements.has(uid)) {
      r.replacements.set(uid, { created: now });
    }
    const rep = r.replacements.get(uid);
    if (rep && type !== 'DELETED') {
      if (rep.bound === undefined && p.spec?.nodeName) rep.bound = now;
      if (rep.running === undefined && isReady(p)) rep.running = now;
    }
    const reps = [...r.replacements.values()];
    if (r.at.created === undefined && reps.length >= r.lost.size) r.at.created = now;
    if (r.at.bound === undefined && reps.filter((x) => x.bound !== undefined).length >= r.lost.size) r.at.bound = now;
    const live = [...this.pods.values()].filter((x) => !x.metadata?.deletionTimestamp && x.spec?.nodeName !== r.victim && isReady(x));
    if (r.at.running === undefined && live.length >= this.replicas) {
      r.at.running = now;
      this.#onChange?.();
    }
  }
}
