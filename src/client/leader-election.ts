// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package does.
//
//   candidate ──(lease absent, or expired by our clock, or ours)──▶ leader
//       ▲            retry every retryPeriod                          │ renew every retryPeriod;
//       └───────── a renewal round fails for renewDeadline ◀──────────┘ each round retries until
//                                                                       renewDeadline has passed
//
// Expiry is judged on the candidate's own clock, never on the times written in the Lease (clocks of
// servers differ): a candidate notes when it last saw the record change and waits leaseDuration
// from then. Writes are compare-and-swap on resourceVersion, so two candidates can never both win.
// Leading is handed to `onStartedLeading` with a signal that aborts as leadership ends; the
// elector then campaigns again (upstream components exit the process instead).
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { type Clock, realClock, sleep } from '../util/index.ts';
import { isAlreadyExists, isConflict, isNotFound } from './errors.ts';
import { resources } from './resources.ts';
import type { Client } from './rest-client.ts';
import { microTime } from '../api/index.ts';

export interface LeaderElectionTimings {
  /** How long non-leaders wait after the last observed change before taking over (upstream 15 s). */
  readonly leaseDurationMs: number;
  /** How long the leader keeps retrying a renewal before giving up (upstream 10 s). */
  readonly renewDeadlineMs: number;
  /** Pause between attempts (upstream 2 s). */
  readonly retryPeriodMs: number;
}

export const DEFAULT_LEADER_ELECTION: LeaderElectionTimings = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

export interface LeaderElectorOptions extends Partial<LeaderElectionTimings> {
  readonly client: Client;
  /** The Lease: kube-system/kube-scheduler, kube-system/kube-controller-manager... */
  readonly namespace: string;
  readonly name: string;
  /** Unique per candidate: `<host>_<uuid>` as upstream components use. */
  readonly identity: string;
  /** Runs while leading; `signal` aborts when leadership is lost or the elector stops. */
  readonly onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  readonly onStoppedLeading?: () => void;
  /** Called once, after the first attempt to acquire: whether it made us the leader. */
  readonly onFirstAttempt?: (acquired: boolean) => void;
  /** Someone (maybe us) became the holder. */
  readonly onNewLeader?: (identity: string) => void;
  /** On stop, hand the lease back so the next leader need not wait for expiry (default true). */
  readonly releaseOnCancel?: boolean;
  readonly clock?: Clock;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Campaigns, leads, and campaigns again, until `signal` aborts. Never throws. */
export async function runLeaderElection(options: LeaderElectorOptions, signal: AbortSignal): Promise<void> {
  const elector = new LeaderElector(options);
  while (!signal.aborted) {
    if (!(await elector.acquire(signal))) break;
    await elector.lead(signal);
  }
  if (options.releaseOnCancel ?? true) await elector.release();
}

class LeaderElector {
  readonly #o: LeaderElectorOptions & LeaderElectionTimings;
  readonly #clock: Clock;
  /** The record as last read or written, and when (our clock) it last changed. */
  #observed: Lease | undefined;
  #observedAt = 0;
  #reportedLeader: string | undefined;
  #attempted = false;

  constructor(options: LeaderElectorOptions) {
    this.#o = { ...DEFAULT_LEADER_ELECTION, ...options };
    this.#clock = options.clock ?? realClock;
  }

  /** Resolves true once we hold the lease, false if `signal` aborted first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      const acquired = await this.#tryAcquireOrRenew(signal);
      if (!this.#attempted) {
        this.#attempted = true;
        this.#o.onFirstAttempt?.(acquired);
      }
      if (acquired) return true;
      // Jitter as upstream (factor 1.2) so candidates do not retry in lockstep.
      if (!(await this.#sleep(this.#o.retryPeriodMs * (1 + 0.2 * Math.random()), signal))) return false;
    }
    return false;
  }

  /** Runs onStartedLeading and renews until a renewal round fails or `signal` aborts. */
  async lead(signal: AbortSignal): Promise<void> {
    const leading = new AbortController();
    const stop = (): void => leading.abort();
    signal.addEventListener('abort', stop, { once: true });
    this.#o.log?.('successfully acquired lease', { lease: `${this.#o.namespace}/${this.#o.name}`, identity: this.#o.identity });
    Promise.resolve()
      .then(() => this.#o.onStartedLeading(leading.signal))
      .catch((error: unknown) => this.#o.log?.('leader callback failed', { err: String(error) }));
    try {
      while (!signal.aborted) {
        if (!(await this.#sleep(this.#o.retryPeriodMs, signal))) break;
        if (!(await this.#renewWithinDeadline(signal))) {
          this.#o.log?.('failed to renew lease: leadership lost', { lease: `${this.#o.namespace}/${this.#o.name}` });
          break;
        }
      }
    } finally {
      signal.removeEventListener('abort', stop);
      leading.abort();
      this.#o.onStoppedLeading?.();
    }
  }

  /** Gives the lease up if we still hold it (best effort). */
  async release(): Promise<void> {
    const lease = this.#observed;
    if (!lease || lease.spec?.holderIdentity !== this.#o.identity) return;
    const now = microTime(this.#clock.now());
    try {
      await this.#o.client.update<Lease>(
        resources.leases,
        this.#o.namespace,
        {
          ...lease,
          spec: { holderIdentity: '', leaseTransitions: lease.spec?.leaseTransitions, leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
        },
        { signal: AbortSignal.timeout(this.#o.renewDeadlineMs) },
      );
    } catch (error) {
      // The lease expires on its own.
      this.#o.log?.('failed to release lease', { lease: `${this.#o.namespace}/${this.#o.name}`, err: String(error) });
    }
  }

  async #renewWithinDeadline(signal: AbortSignal): Promise<boolean> {
    const deadline = this.#clock.now() + this.#o.renewDeadlineMs;
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew(signal, deadline)) return true;
      if (this.#clock.now() + this.#o.retryPeriodMs >= deadline) return false;
      if (!(await this.#sleep(this.#o.retryPeriodMs, signal))) return false;
    }
    return false;
  }

  /** One attempt; true when we hold the lease afterwards. API failures count as "not held". */
  async #tryAcquireOrRenew(signal: AbortSignal, deadline?: number): Promise<boolean> {
    const { client, namespace, name, identity } = this.#o;
    const timeout = Math.max(1, (deadline ?? this.#clock.now() + this.#o.renewDeadlineMs) - this.#clock.now());
    const call = { signal: AbortSignal.any([signal, AbortSignal.timeout(timeout)]) };
    const now = this.#clock.now();
    const durationSeconds = Math.max(1, Math.round(this.#o.leaseDurationMs / 1000));
    try {
      let current: Lease | undefined;
      try {
        current = await client.get<Lease>(resources.leases, namespace, name, call);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      if (!current) {
        const created = await client.create<Lease>(
          resources.leases,
          namespace,
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: microTime(now),
              renewTime: microTime(now),
              leaseTransitions: 0,
            },
          },
          call,
        );
        this.#observe(created, now);
        return true;
      }
      if (!sameRecord(current, this.#observed)) this.#observe(current, now);
      const holder = current.spec?.holderIdentity ?? '';
      const held = holder !== '' && holder !== identity;
      const observedDurationMs = (current.spec?.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (held && this.#observedAt + observedDurationMs > now) return false;
      const ours = holder === identity;
      const updated = await client.update<Lease>(
        resources.leases,
        namespace,
        {
          ...current,
          spec: {
            ...current.spec,
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            renewTime: microTime(now),
            acquireTime: ours ? current.spec?.acquireTime : microTime(now),
            leaseTransitions: (current.spec?.leaseTransitions ?? 0) + (ours ? 0 : 1),
          },
        },
        call,
      );
      this.#observe(updated, now);
      return true;
    } catch (error) {
      if (!isConflict(error) && !isAlreadyExists(error) && !signal.aborted) {
        this.#o.log?.('error retrieving or updating lease', { lease: `${namespace}/${name}`, err: String(error) });
      }
      return false;
    }
  }

  #observe(lease: Lease, now: number): void {
    this.#observed = lease;
    this.#observedAt = now;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== '' && holder !== this.#reportedLeader) {
      this.#reportedLeader = holder;
      this.#o.onNewLeader?.(holder);
    }
  }

  /** false when aborted. */
  async #sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await sleep(this.#clock, ms, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** Compares the election record (spec), not metadata: a renewal changes renewTime. */
function sameRecord(a: Lease, b: Lease | undefined): boolean {
  return b !== undefined && JSON.stringify(a.spec ?? {}) === JSON.stringify(b.spec ?? {});
}

/** MicroTime as the API serialises it: RFC 3339 with microseconds. */
