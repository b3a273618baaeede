// The write queue acknowledges a write only once its commit is durable, publishes at commit, and
// acknowledges nothing more after the disk refused an fsync.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WriteQueue } from './write-queue.ts';

function deferred(): { promise: Promise<void>; resolve(): void; reject(e: unknown): void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
};

describe('WriteQueue with a durability step', () => {
  it('publishes at commit and acknowledges after the fsync, in order', async () => {
    const published: number[] = [];
    const syncs: ReturnType<typeof deferred>[] = [];
    const queue = new WriteQueue<number>({
      transaction: (fn) => fn(),
      onCommit: (events) => published.push(...events),
      durable: () => {
        const d = deferred();
        syncs.push(d);
        return d.promise;
      },
    });
    const order: number[] = [];
    const a = queue.submit(() => ({ result: 1, event: 1 })).then((r) => order.push(r));
    assert.equal(await settled(a), false, 'not acknowledged before the fsync');
    assert.deepEqual(published, [1], 'watchers see the commit at once');
    const b = queue.submit(() => ({ result: 2, event: 2 })).then((r) => order.push(r));
    await settled(b);
    assert.deepEqual(published, [1, 2], 'the next batch commits while the first waits for the disk');
    syncs[0]!.resolve();
    syncs[1]!.resolve();
    await Promise.all([a, b]);
    assert.deepEqual(order, [1, 2]);
    const closed = queue.close();
    assert.equal(await settled(closed), true);
  });

  it('rejects the batch and every later write when the fsync fails', async () => {
    const queue = new WriteQueue<number>({
      transaction: (fn) => fn(),
      onCommit: () => {},
      durable: () => Promise.reject(new Error('EIO')),
    });
    await assert.rejects(
      queue.submit(() => ({ result: 1, event: 1 })),
      /fsync of the write-ahead log failed: EIO/,
    );
    await assert.rejects(
      queue.submit(() => ({ result: 2, event: 2 })),
      /storage is not durable/,
    );
  });
});
