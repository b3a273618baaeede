// The node-failure timers of `peapod server` and its two profiles. "default" keeps upstream's
// values (node-monitor-grace-period 40 s, DefaultTolerationSeconds 300 s, kubelet's node lease
// duration 40 s, renewed every 10 s): a dead node's pods are replaced after about 40 + 300 s.
// "fast" brings node death → replacement Running under 15 s: the node is Unknown 8 s after its
// last renewal (4 missed 2 s renewals, the same ratio as upstream's 40/10), its pods go 2 s later,
// and the replacements need scheduling and a container start (bench/node-failure measures it).
// The lease duration is published to every agent (src/api/kubelet-config.ts), which renews at a
// quarter of it as kubelet does, so the server's profile alone sets the whole cluster's timing.
// Explicit flags win.

export interface NodeTimers {
  gracePeriodMs: number;
  notReadyTolerationSeconds: number;
  unreachableTolerationSeconds: number;
  /** Published to the agents; they renew every quarter of it. */
  leaseDurationSeconds: number;
}

export const NODE_TIMER_PROFILES: Readonly<Record<string, NodeTimers>> = {
  default: { gracePeriodMs: 40_000, notReadyTolerationSeconds: 300, unreachableTolerationSeconds: 300, leaseDurationSeconds: 40 },
  fast: { gracePeriodMs: 8_000, notReadyTolerationSeconds: 2, unreachableTolerationSeconds: 2, leaseDurationSeconds: 8 },
};

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
