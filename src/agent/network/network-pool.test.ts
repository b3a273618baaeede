import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PodNetwork, PodNetworkStatus } from './cni.ts';
import { NetworkPool } from './network-pool.ts';

/** A PodNetwork that records set-ups (no processes, no namespaces). */
function fakeNetwork(): { network: PodNetwork; setUps: string[] } {
  const setUps: string[] = [];
  const network = {
    async setUp(id: string): Promise<PodNetworkStatus> {
      setUps.push(id);
      return { id, netnsPath: `/run/netns/${id}`, ip: `10.0.0.${setUps.length}`, gateway: '10.0.0.254', prefixLength: 24 };
    },
    async prepareShared(id: string) {
      return { ipcnsPath: `/x/${id}/ns-ipc`, utsnsPath: `/x/${id}/ns-uts`, shmPath: `/x/${id}/shm` };
    },
    async tearDown() {},
    tearDownSync() {},
  } as unknown as PodNetwork;
  return { network, setUps };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('NetworkPool', () => {
  test('a take leaves the pod that took a network alone for a moment before refilling', async () => {
    const { network, setUps } = fakeNetwork();
    const pool = new NetworkPool({ network, size: 2, refillDelayMs: 150 });
    pool.fill();
    await pool.settled();
    assert.equal(pool.readyCount, 2);
    assert.ok(pool.take());
    await sleep(50);
    assert.equal(setUps.length, 2, 'no refill while the new pod starts');
    await sleep(150);
    await pool.settled();
    assert.equal(setUps.length, 3);
    assert.equal(pool.readyCount, 2);
    pool.closeSync();
  });

  test('an empty pool refills at once', async () => {
    const { network, setUps } = fakeNetwork();
    const pool = new NetworkPool({ network, size: 1, refillDelayMs: 60_000 });
    pool.fill();
    await pool.settled();
    assert.ok(pool.take());
    await pool.settled();
    assert.equal(setUps.length, 2);
    assert.equal(pool.readyCount, 1);
    pool.closeSync();
  });

  test('closing cancels a pending refill', async () => {
    const { network, setUps } = fakeNetwork();
    const pool = new NetworkPool({ network, size: 2, refillDelayMs: 30 });
    pool.fill();
    await pool.settled();
    pool.take();
    pool.closeSync();
    await sleep(60);
    assert.equal(setUps.length, 2);
  });
});
