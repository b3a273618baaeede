import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFakeClock } from '../util/index.ts';
import { runController } from './controller.ts';
import { bucketRateLimiter, exponentialFailureRateLimiter } from './rate-limiter.ts';
import { createWorkQueue } from './workqueue.ts';
import { silentLogger } from './types.ts';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('workqueue', () => {
  it('dedups keys that are waiting', async () => {
    const q = createWorkQueue({ clock: createFakeClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.len(), 0);
  });

  it('never hands one key to two workers; a key re-added while processing comes back after done', async () => {
    const q = createWorkQueue({ clock: createFakeClock() });
    q.add('a');
    assert.equal(await q.get(), 'a');
    q.add('a');
    q.add('a');
    assert.equal(q.len(), 0, 'not queued while processing');
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await tick();
    assert.equal(second, undefined, 'second worker must wait');
    q.done('a');
    await tick();
    assert.equal(second, 'a');
    q.done('a');
    assert.equal(q.len(), 0, 'processed once per burst of adds');
  });

  it('wakes a waiting worker on add', async () => {
    const q = createWorkQueue({ clock: createFakeClock() });
    const p = q.get();
    q.add('x');
    assert.equal(await p, 'x');
  });

  it('addAfter delays by the fake clock and keeps the earliest deadline', () => {
    const clock = createFakeClock();
    const q = createWorkQueue({ clock });
    q.addAfter('a', 100);
    q.addAfter('a', 300);
    q.addAfter('b', 50);
    clock.advance(49);
    assert.equal(q.len(), 0);
    clock.advance(1);
    assert.equal(q.len(), 1);
    clock.advance(50);
    assert.equal(q.len(), 2);
    clock.advance(1000);
    assert.equal(q.len(), 2, 'the later deadline of a was dropped');
  });

  it('per-item backoff doubles from 5 ms, caps at max, and forget resets it', async () => {
    const clock = createFakeClock();
    const q = createWorkQueue({ clock, maxDelayMs: 40, qps: 1e9, burst: 1e9 });
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = clock.now();
      q.addRateLimited('k');
      while (q.len() === 0) clock.advance(1);
      seen.push(clock.now() - before);
      assert.equal(await q.get(), 'k');
      q.done('k');
    }
    assert.deepEqual(seen, [5, 10, 20, 40, 40, 40]);
    assert.equal(q.numRequeues('k'), 6);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
    q.addRateLimited('k');
    clock.advance(5);
    assert.equal(q.len(), 1);
  });

  it('default per-item backoff reaches 1000 s', () => {
    const l = exponentialFailureRateLimiter<string>();
    let last = 0;
    for (let i = 0; i < 40; i++) last = l.when('x');
    assert.equal(last, 1_000_000);
    assert.equal(l.when('y'), 5, 'items are independent');
  });

  it('token bucket spaces items once the burst is spent', () => {
    const clock = createFakeClock();
    const b = bucketRateLimiter<string>({ qps: 10, burst: 2, clock });
    assert.deepEqual([b.when('a'), b.when('b'), b.when('c'), b.when('d')], [0, 0, 100, 200]);
    clock.advance(1000);
    assert.equal(b.when('e'), 0, 'refilled');
  });

  it('shutDown releases waiting workers and ignores later adds', async () => {
    const clock = createFakeClock();
    const q = createWorkQueue({ clock });
    const waiting = q.get();
    q.addAfter('later', 10);
    q.shutDown();
    assert.equal(await waiting, undefined);
    q.add('x');
    clock.advance(100);
    assert.equal(q.len(), 0);
    assert.equal(await q.get(), undefined);
    assert.equal(clock.pending(), 0, 'delayed adds cancelled');
  });

  it('shutDown with drain hands out queued keys first', async () => {
    const q = createWorkQueue({ clock: createFakeClock() });
    q.add('a');
    q.shutDown({ drain: true });
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), undefined);
  });
});

describe('runController', () => {
  it('retries a failing key with backoff, forgets it on success, and stops on abort', async () => {
    const clock = createFakeClock();
    const q = createWorkQueue({ clock });
    const ac = new AbortController();
    const calls: string[] = [];
    let fail = 2;
    const done = runController({
      name: 'test',
      queue: q,
      workers: 2,
      signal: ac.signal,
      logger: silentLogger,
      reconciler: {
        async reconcile(key) {
          calls.push(`${key}@${clock.now()}`);
          if (fail-- > 0) throw new Error('boom');
        },
      },
    });
    q.add('a');
    await tick();
    clock.advance(5);
    await tick();
    clock.advance(10);
    await tick();
    assert.deepEqual(calls, ['a@0', 'a@5', 'a@15']);
    assert.equal(q.numRequeues('a'), 0, 'forgotten after success');
    ac.abort();
    await done;
  });

  it('runs different keys concurrently but one key at a time', async () => {
    const q = createWorkQueue({ clock: createFakeClock() });
    const ac = new AbortController();
    const active = new Set<string>();
    let maxParallel = 0;
    let overlap = false;
    let runs = 0;
    const done = runController({
      name: 'test',
      queue: q,
      workers: 4,
      signal: ac.signal,
      logger: silentLogger,
      reconciler: {
        async reconcile(key) {
          if (active.has(key)) overlap = true;
          active.add(key);
          maxParallel = Math.max(maxParallel, active.size);
          runs++;
          if (key === 'a' && runs < 3) q.add('a');
          await tick();
          active.delete(key);
        },
      },
    });
    q.add('a');
    q.add('b');
    q.add('c');
    for (let i = 0; i < 20; i++) await tick();
    assert.equal(overlap, false);
    assert.ok(maxParallel >= 2, 'keys ran in parallel');
    assert.ok(runs >= 4, 'a re-added while running ran again');
    ac.abort();
    await done;
  });
});
