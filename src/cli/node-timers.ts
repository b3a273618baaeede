// The node-failure timers of `peapod server` and its two profiles. "default" keeps upstream's
// values (node-monitor-grace-period 40 s, DefaultTolerationSeconds 300 s, kubelet's node lease
// duration 40 s, renewed every 10 s): a dead node's pods are replaced after about 40 + 300 s.
// "fast" brings node death → replacements Running within 5 s (issue #18): the node is Unknown 3 s
// after its last renewal (4 missed 750 ms renewals, the same ratio as upstream's 40/10), its pods
// are evicted as soon as the unreachable taint lands (tolerationSeconds 0 means at once, as
// upstream), and the replacements need scheduling and a start; bench/node-failure
// measures every stage. The price: a node whose renewals stall for more than ~2 s loses its pods.
// The lease duration is published to every agent (src/api/kubelet-config.ts), which renews at a
// quarter of it as kubelet does, so the server's profile alone sets the whole cluster's timing.
// Explicit flags win.
import { leaseRenewIntervalMs } from '../api/index.ts';

export interface NodeTimers {
  gracePeriodMs: number;
  notReadyTolerationSeconds: number;
  unreachableTolerationSeconds: number;
  /** Published to the agents; they renew every quarter of it. */
  leaseDurationSeconds: number;
}

export const NODE_TIMER_PROFILES: Readonly<Record<string, NodeTimers>> = {
  default: { gracePeriodMs: 40_000, notReadyTolerationSeconds: 300, unreachableTolerationSeconds: 300, leaseDurationSeconds: 40 },
  fast: { gracePeriodMs: 3_000, notReadyTolerationSeconds: 0, unreachableTolerationSeconds: 0, leaseDurationSeconds: 3 },
};

/** One line for --help: "3s grace, 0s tolerations, 3s node leases renewed every 750ms". */
export function describeNodeTimers(t: NodeTimers): string {
  const d = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
  const tol =
    t.notReadyTolerationSeconds === t.unreachableTolerationSeconds
      ? `${t.unreachableTolerationSeconds}s tolerations`
      : `${t.notReadyTolerationSeconds}s not-ready / ${t.unreachableTolerationSeconds}s unreachable tolerations`;
  return `${d(t.gracePeriodMs)} grace, ${tol}, ${t.leaseDurationSeconds}s node leases renewed every ${d(leaseRenewIntervalMs(t.leaseDurationSeconds))}`;
}

export function resolveNodeTimers(profile: string, explicit: Partial<NodeTimers>): NodeTimers {
  const base = NODE_TIMER_PROFILES[profile];
  if (!base || !Object.hasOwn(NODE_TIMER_PROFILES, profile)) {
    throw new Error(`--profile: unknown profile ${JSON.stringify(profile)} (known: ${Object.keys(NODE_TIMER_PROFILES).join(', ')})`);
  }
  const out = { ...base };
  for (const k of Object.keys(out) as (keyof NodeTimers)[]) {
    const v = explicit[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** A Go-style duration ("40s", "500ms", "1m30s") or plain seconds ("40"), in milliseconds. */
export function parseDuration(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = v;
  while (rest.length) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new Error(`invalid duration ${JSON.stringify(v)} (expected e.g. 40s, 500ms, 1m30s)`);
    total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1000);
    rest = rest.slice(m[0].length);
  }
  if (!v.length) throw new Error('invalid duration ""');
  return Math.round(total);
}
