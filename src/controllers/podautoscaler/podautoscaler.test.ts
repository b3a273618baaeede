import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { milliValue } from '../../api/index.ts';
import { BehaviorState, type BehaviorRules } from './behavior.ts';
import { MetricError, podRequests, resourceReplicas, type PodMetric } from './replica-calculator.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function pod(name: string, opts: { ready?: boolean; startedAgoMs?: number; readySinceAgoMs?: number; phase?: string; request?: string | null } = {}): Pod {
  const started = NOW - (opts.startedAgoMs ?? 600_000);
  return {
    metadata: { name },
    spec: { containers: [{ name: 'c', resources: opts.request === null ? {} : { requests: { cpu: opts.request ?? '100m' } } }] },
    status: {
      phase: opts.phase ?? 'Running',
      startTime: iso(started),
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: iso(NOW - (opts.readySinceAgoMs ?? 590_000)) }],
    },
  };
}

function metrics(values: Record<string, number>): Map<string, PodMetric> {
  return new Map(Object.entries(values).map(([k, v]) => [k, { value: v, timestampMs: NOW - 1000, windowMs: 5000 }]));
}

function replicas(pods: Pod[], used: Record<string, number>, target: { utilization?: number; averageValue?: number }, current = pods.length) {
  const requests = target.utilization !== undefined ? podRequests(pods, 'cpu', milliValue) : undefined;
  return resourceReplicas({ resource: 'cpu', currentReplicas: current, pods, metrics: metrics(used), target, nowMs: NOW }, requests);
}

describe('replica calculator (resource metrics)', () => {
  it('scales to ceil(utilization / target × ready pods)', () => {
    const pods = ['a', 'b', 'c', 'd'].map((n) => pod(n));
    const r = replicas(pods, { a: 90, b: 90, c: 90, d: 90 }, { utilization: 50 });
    assert.deepEqual([r.replicas, r.utilization, r.averageValue], [8, 90, 90]);
  });

  it('keeps the current count within the 0.1 tolerance', () => {
    const pods = ['a', 'b'].map((n) => pod(n));
    assert.equal(replicas(pods, { a: 54, b: 54 }, { utilization: 50 }).replicas, 2);
    assert.equal(replicas(pods, { a: 56, b: 56 }, { utilization: 50 }).replicas, 3);
  });

  it('assumes pods without metrics use 100% of their request when scaling down', () => {
    const pods = ['a', 'b', 'c', 'd'].map((n) => pod(n));
    // (10+10+10+100)/400 = 32% → ratio 0.64 × 4 = 2.56 → 3 (not the 1 the three pods alone suggest).
    assert.equal(replicas(pods, { a: 10, b: 10, c: 10 }, { utilization: 50 }).replicas, 3);
  });

  it('counts unready pods as using nothing when scaling up', () => {
    const pods = [pod('a'), pod('b'), pod('c', { ready: false, startedAgoMs: 10_000 }), pod('d', { ready: false, startedAgoMs: 10_000 })];
    // Ready pods at 100% alone would double; with the two unready ones at 0 the average is 50%: stay.
    assert.equal(replicas(pods, { a: 100, b: 100, c: 100, d: 100 }, { utilization: 50 }).replicas, 4);
  });

  it('ignores a starting pod whose sample predates one window after it turned ready', () => {
    const pods = [pod('a'), pod('b', { startedAgoMs: 20_000, readySinceAgoMs: 3000 })];
    // b's sample (1 s ago, window 5 s) is older than ready+window: unready → counted as 0 on scale-up.
    assert.equal(replicas(pods, { a: 200, b: 200 }, { utilization: 50 }).replicas, 4);
  });

  it('ignores pending, failed and deleted pods', () => {
    const pods = [pod('a'), pod('p', { phase: 'Pending' }), pod('f', { phase: 'Failed' })];
    assert.equal(replicas(pods, { a: 100, p: 0, f: 0 }, { utilization: 50 }, 3).replicas, 2);
  });

  it('AverageValue targets divide the average usage by the target', () => {
    const pods = ['a', 'b'].map((n) => pod(n, { request: null }));
    assert.equal(replicas(pods, { a: 300, b: 300 }, { averageValue: 100 }).replicas, 6);
  });

  it('fails with upstream messages when requests or metrics are missing', () => {
    assert.throws(
      () => podRequests([pod('x', { request: null })], 'cpu', milliValue),
      (e: Error) => e instanceof MetricError && e.message === 'missing request for cpu in container c of Pod x',
    );
    assert.throws(
      () => replicas([pod('a', { ready: false, startedAgoMs: 5000 })], { a: 10 }, { utilization: 50 }),
      /did not receive metrics for targeted pods \(pods might be unready\)/,
    );
    assert.throws(() => replicas([], {}, { utilization: 50 }), /no pods returned by selector while calculating replica count/);
  });
});

const rules = (over: Partial<BehaviorRules> = {}): BehaviorRules => ({
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  },
  scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
  ...over,
});

describe('behavior (fake clock)', () => {
  const base = { key: 'ns/h', minReplicas: 1, maxReplicas: 100 };

  it('scale-down stabilization keeps the highest recommendation of the window', () => {
    const b = new BehaviorState();
    let t = NOW;
    assert.equal(b.normalize({ ...base, currentReplicas: 5, desiredReplicas: 5, rules: rules(), nowMs: t }).replicas, 5);
    t += 60_000;
    const n = b.normalize({ ...base, currentReplicas: 5, desiredReplicas: 2, rules: rules(), nowMs: t });
    assert.equal(n.replicas, 5);
    assert.deepEqual(n.ableToScale, {
      reason: 'ScaleDownStabilized',
      message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
    });
    t += 241_000; // the recommendation of 5 is now 301 s old
    assert.equal(b.normalize({ ...base, currentReplicas: 5, desiredReplicas: 2, rules: rules(), nowMs: t }).replicas, 2);
  });

  it('scale-up stabilization keeps the lowest recommendation of its window', () => {
    const b = new BehaviorState();
    const r = rules({ scaleUp: { ...rules().scaleUp, stabilizationWindowSeconds: 30 } });
    b.normalize({ ...base, currentReplicas: 2, desiredReplicas: 2, rules: r, nowMs: NOW });
    assert.equal(b.normalize({ ...base, currentReplicas: 2, desiredReplicas: 6, rules: r, nowMs: NOW + 10_000 }).replicas, 2);
    assert.equal(b.normalize({ ...base, currentReplicas: 2, desiredReplicas: 6, rules: r, nowMs: NOW + 31_000 }).replicas, 6);
  });

  it('rate policies: the larger of +4 pods and +100% per 15 s, counting earlier scale-ups in the period', () => {
    const b = new BehaviorState();
    const n = b.normalize({ ...base, currentReplicas: 2, desiredReplicas: 20, rules: rules(), nowMs: NOW });
    assert.deepEqual([n.replicas, n.limited, n.limitReason], [6, true, 'ScaleUpLimit']);
    b.recordScale(base.key, rules(), 2, 6, NOW);
    assert.equal(b.normalize({ ...base, currentReplicas: 6, desiredReplicas: 20, rules: rules(), nowMs: NOW + 5000 }).replicas, 6, 'the period started at 2');
    assert.equal(b.normalize({ ...base, currentReplicas: 6, desiredReplicas: 20, rules: rules(), nowMs: NOW + 16_000 }).replicas, 12);
  });

  it('selectPolicy Min takes the smaller change, Disabled none', () => {
    const min = rules({ scaleUp: { ...rules().scaleUp, selectPolicy: 'Min' } });
    assert.equal(new BehaviorState().normalize({ ...base, currentReplicas: 2, desiredReplicas: 20, rules: min, nowMs: NOW }).replicas, 4);
    const off = rules({ scaleUp: { ...rules().scaleUp, selectPolicy: 'Disabled' } });
    assert.equal(new BehaviorState().normalize({ ...base, currentReplicas: 2, desiredReplicas: 20, rules: off, nowMs: NOW }).replicas, 2);
  });

  it('min and max bound the result with TooFewReplicas / TooManyReplicas', () => {
    const down = rules({ scaleDown: { ...rules().scaleDown, stabilizationWindowSeconds: 0 } });
    const n = new BehaviorState().normalize({ ...base, minReplicas: 3, currentReplicas: 5, desiredReplicas: 1, rules: down, nowMs: NOW });
    assert.deepEqual([n.replicas, n.limitReason], [3, 'TooFewReplicas']);
    const m = new BehaviorState().normalize({ ...base, maxReplicas: 4, currentReplicas: 3, desiredReplicas: 5, rules: rules(), nowMs: NOW });
    assert.deepEqual([m.replicas, m.limitReason, m.limitMessage], [4, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count']);
  });
});
