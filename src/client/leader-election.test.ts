import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { createFakeClock, type FakeClock } from '../util/index.ts';
import { ClientError } from './errors.ts';
import { runLeaderElection } from './leader-election.ts';
import type { Client } from './rest-client.ts';

/** One Lease with compare-and-swap on resourceVersion; `down` makes a candidate's calls fail. */
function leaseStore() {
  let stored: Lease | undefined;
  let rv = 0;
  const fail = (code: number, reason: string) => new ClientError({ kind: 'Status', code, reason, message: reason });
  const clientFor = (who: { down: boolean }): Client => {
    const check = () => {
      if (who.down) throw fail(0, 'connection refused');
    };
    return {
      async get() {
        check();
        if (!stored) throw fail(404, 'NotFound');
        return structuredClone(stored);
      },
      async create(_ref: unknown, _ns: unknown, obj: Lease) {
        check();
        if (stored) throw fail(409, 'AlreadyExists');
        stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
        return structuredClone(stored);
      },
      async update(_ref: unknown, _ns: unknown, obj: Lease) {
        check();
        if (!stored || obj.metadata?.resourceVersion !== stored.metadata?.resourceVersion) throw fail(409, 'Conflict');
        stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
        return structuredClone(stored);
      },
    } as unknown as Client;
  };
  return { clientFor, holder: () => stored?.spec?.holderIdentity };
}

/** Advances fake time in small steps, letting the electors' promises run between them. */
async function run(clock: FakeClock, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }
}

const TIMINGS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

describe('runLeaderElection', () => {
  it('lets exactly one candidate lead, and another take over only after the lease duration', async () => {
    const clock = createFakeClock(1_000_000);
    const store = leaseStore();
    const leading = new Set<string>();
    const a = { down: false };
    const stops = [new AbortController(), new AbortController()];
    const start = (id: string, who: { down: boolean }, stop: AbortController) =>
      runLeaderElection(
        {
          ...TIMINGS,
          client: store.clientFor(who),
          namespace: 'kube-system',
          name: 'kube-scheduler',
          identity: id,
          clock,
          onStartedLeading: (signal) => {
            leading.add(id);
            signal.addEventListener('abort', () => leading.delete(id));
          },
        },
        stop.signal,
      );
    const runs = [start('a', a, stops[0]!)];
    await run(clock, 500);
    runs.push(start('b', { down: false }, stops[1]!));
    await run(clock, 20_000);
    assert.deepEqual([...leading], ['a']);
    assert.equal(store.holder(), 'a');

    a.down = true; // a's server died: no renewals, no release
    await run(clock, 9_000);
    assert.equal(store.holder(), 'a', 'b waits while the lease may still be valid');
    await run(clock, 12_000);
    assert.equal(store.holder(), 'b');
    assert.ok(leading.has('b'));
    assert.ok(!leading.has('a'), 'a stopped leading once it could not renew within the deadline');

    stops.forEach((s) => s.abort());
    await run(clock, 1000);
    await Promise.all(runs);
    assert.equal(store.holder(), '', 'b released the lease when stopped');
  });
});
