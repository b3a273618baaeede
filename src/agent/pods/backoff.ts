import type { Clock } from './clock.ts';

/**
 * client-go flowcontrol.Backoff without jitter, as kubelet uses it for CrashLoopBackOff (10 s
 * doubling to 5 min): `next` is called when a restart happens, keyed by the exit time of the
 * container being replaced; an entry whose last restart is more than 2×max before the event
 * (the container ran ≥ 10 min) starts again from the initial delay.
 */
export class Backoff {
  readonly #entries = new Map<string, { backoffMs: number; lastUpdate: number }>();

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly clock: Clock,
  ) {}

  /** Is a restart for an exit at `eventTime` still to be delayed? */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const e = this.#entries.get(key);
    if (!e || this.#expired(eventTime, e.lastUpdate)) return false;
    return this.clock.now() - eventTime < e.backoffMs;
  }

  /** Records a restart for an exit at `eventTime`, growing the delay for the next one. */
  next(key: string, eventTime: number): void {
    const e = this.#entries.get(key);
    const backoffMs = !e || this.#expired(eventTime, e.lastUpdate) ? this.initialMs : Math.min(e.backoffMs * 2, this.maxMs);
    this.#entries.set(key, { backoffMs, lastUpdate: this.clock.now() });
  }

  /** Current delay (0 when unknown). */
  get(key: string): number {
    return this.#entries.get(key)?.backoffMs ?? 0;
  }

  /** When `next` was last called for the key. */
  lastUpdate(key: string): number | undefined {
    return this.#entries.get(key)?.lastUpdate;
  }

  /** Forgets every key with this prefix (a pod's containers once it is gone). */
  forgetPrefix(prefix: string): void {
    for (const k of this.#entries.keys()) if (k.startsWith(prefix)) this.#entries.delete(k);
  }

  #expired(eventTime: number, lastUpdate: number): boolean {
    return eventTime - lastUpdate > 2 * this.maxMs;
  }
}

/** Go's time.Duration String() for whole seconds: `10s`, `1m20s`, `5m0s`. */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${m}m${s % 60}s` : `${m}m${s % 60}s`;
}
