// Scaling behavior (upstream horizontal.go: stabilizeRecommendationWithBehaviors,
// convertDesiredReplicasWithBehaviorRate and the scale-event bookkeeping). Per HPA it remembers
// recent recommendations (stabilization windows: scale down only to the highest recommendation of
// the last scaleDown window, up only to the lowest of the scaleUp window) and recent scale events
// (policies: at most +N pods / +N% per period, selectPolicy Max/Min/Disabled). State lives in
// memory, as upstream: a restarted controller starts with empty windows.
import type { HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';

interface Recommendation {
  replicas: number;
  atMs: number;
}

interface ScaleEvent {
  change: number;
  atMs: number;
  outdated: boolean;
}

export interface BehaviorRules {
  scaleUp: HPAScalingRules;
  /** stabilizationWindowSeconds already resolved (the controller's default when unset). */
  scaleDown: HPAScalingRules;
}

export interface NormalizeInput {
  key: string;
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  rules: BehaviorRules;
  nowMs: number;
}

export interface Normalized {
  replicas: number;
  /** For the AbleToScale condition. */
  ableToScale: { reason: string; message: string };
  /** For the ScalingLimited condition (status True when `limited`). */
  limited: boolean;
  limitReason: string;
  limitMessage: string;
}

function changeInPeriod(events: readonly ScaleEvent[], periodSeconds: number, nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  return events.reduce((sum, e) => (e.atMs > cutoff ? sum + e.change : sum), 0);
}

/** The most replicas the scale-up policies allow now. */
export function scaleUpLimit(current: number, up: readonly ScaleEvent[], down: readonly ScaleEvent[], rules: HPAScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(up, p.periodSeconds, nowMs) + changeInPeriod(down, p.periodSeconds, nowMs);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** The fewest replicas the scale-down policies allow now. */
export function scaleDownLimit(current: number, up: readonly ScaleEvent[], down: readonly ScaleEvent[], rules: HPAScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(up, p.periodSeconds, nowMs) + changeInPeriod(down, p.periodSeconds, nowMs);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

const longestPeriod = (r: HPAScalingRules): number => Math.max(0, ...(r.policies ?? []).map((p) => p.periodSeconds));

export class BehaviorState {
  readonly #recommendations = new Map<string, Recommendation[]>();
  readonly #up = new Map<string, ScaleEvent[]>();
  readonly #down = new Map<string, ScaleEvent[]>();

  /** Stabilize, then apply the rate policies and min/max. Records the raw recommendation. */
  normalize(i: NormalizeInput): Normalized {
    const stabilized = this.#stabilize(i);
    const ableToScale =
      stabilized.replicas !== i.desiredReplicas
        ? { reason: stabilized.reason, message: stabilized.message }
        : { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
    const limited = this.#limitRate({ ...i, desiredReplicas: stabilized.replicas });
    return {
      replicas: limited.replicas,
      ableToScale,
      limited: limited.replicas !== stabilized.replicas,
      limitReason: limited.reason,
      limitMessage: limited.message,
    };
  }

  #stabilize(i: NormalizeInput): { replicas: number; reason: string; message: string } {
    const upWindow = (i.rules.scaleUp.stabilizationWindowSeconds ?? 0) * 1000;
    const downWindow = (i.rules.scaleDown.stabilizationWindowSeconds ?? 0) * 1000;
    const maxWindow = Math.max(upWindow, downWindow);
    let upRec = i.desiredReplicas;
    let downRec = i.desiredReplicas;
    const recs = this.#recommendations.get(i.key) ?? [];
    let oldIndex = -1;
    recs.forEach((r, idx) => {
      if (r.atMs > i.nowMs - upWindow) upRec = Math.min(upRec, r.replicas);
      if (r.atMs > i.nowMs - downWindow) downRec = Math.max(downRec, r.replicas);
      if (r.atMs < i.nowMs - maxWindow) oldIndex = idx;
    });
    let replicas = i.currentReplicas;
    if (replicas < upRec) replicas = upRec;
    if (replicas > downRec) replicas = downRec;
    const rec = { replicas: i.desiredReplicas, atMs: i.nowMs };
    if (oldIndex >= 0) recs[oldIndex] = rec;
    else recs.push(rec);
    this.#recommendations.set(i.key, recs);
    return i.desiredReplicas >= i.currentReplicas
      ? { replicas, reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
      : { replicas, reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
  }

  #limitRate(i: NormalizeInput): { replicas: number; reason: string; message: string } {
    const up = this.#up.get(i.key) ?? [];
    const down = this.#down.get(i.key) ?? [];
    if (i.desiredReplicas > i.currentReplicas) {
      const limit = Math.max(i.currentReplicas, scaleUpLimit(i.currentReplicas, up, down, i.rules.scaleUp, i.nowMs));
      const [max, reason, message] =
        i.maxReplicas > limit
          ? [limit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
          : [i.maxReplicas, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
      if (i.desiredReplicas > max) return { replicas: max, reason, message };
    } else if (i.desiredReplicas < i.currentReplicas) {
      const limit = Math.min(i.currentReplicas, scaleDownLimit(i.currentReplicas, up, down, i.rules.scaleDown, i.nowMs));
      const [min, reason, message] =
        i.minReplicas < limit
          ? [limit, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']
          : [i.minReplicas, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
      if (i.desiredReplicas < min) return { replicas: min, reason, message };
    }
    return { replicas: i.desiredReplicas, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
  }

  /** Remembers a successful rescale for the rate policies (reusing an outdated slot, as upstream). */
  recordScale(key: string, rules: BehaviorRules, from: number, to: number, nowMs: number): void {
    const up = to > from;
    const map = up ? this.#up : this.#down;
    const period = longestPeriod(up ? rules.scaleUp : rules.scaleDown) * 1000;
    const events = map.get(key) ?? [];
    for (const e of events) if (e.atMs <= nowMs - period) e.outdated = true;
    const event = { change: Math.abs(to - from), atMs: nowMs, outdated: false };
    const slot = events.findIndex((e) => e.outdated);
    if (slot >= 0) events[slot] = event;
    else events.push(event);
    map.set(key, events);
  }

  forget(key: string): void {
    this.#recommendations.delete(key);
    this.#up.delete(key);
    this.#down.delete(key);
  }
}
