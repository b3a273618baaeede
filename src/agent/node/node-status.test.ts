import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { manualClock } from '../pods/clock.ts';
import { startLeaseRenewer } from './lease.ts';
import { buildNode, conditionsChanged, nodeConditions, readMachineInfo } from './node-status.ts';

describe('node status', () => {
  test('registration object: capacity from the machine, pods 110, nodeInfo, ready conditions', async () => {
    const m = await readMachineInfo(tmpdir());
    assert.ok(m.cpuCount > 0 && m.memoryBytes > 0 && m.ephemeralStorageBytes > 0);
    const node = buildNode(
      m,
      { name: 'n1', ip: '192.0.2.5', runtimeVersion: 'runc://1.1.5', podCidr: '10.42.1.0/24', labels: { 'node-role.kubernetes.io/control-plane': '' } },
      new Date('2026-01-01T00:00:00.123Z'),
    );
    assert.equal(node.status?.capacity?.pods, '110');
    assert.equal(node.status?.capacity?.cpu, String(m.cpuCount));
    assert.match(node.status?.capacity?.memory ?? '', /^\d+Ki$/);
    assert.equal(node.status?.nodeInfo?.kubeletVersion, 'v1.32.4-peapod');
    assert.equal(node.status?.nodeInfo?.containerRuntimeVersion, 'runc://1.1.5');
    assert.deepEqual(node.status?.addresses?.[0], { type: 'InternalIP', address: '192.0.2.5' });
    assert.equal(node.spec?.podCIDR, '10.42.1.0/24');
    assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], 'n1');
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    assert.deepEqual(ready, {
      type: 'Ready',
      status: 'True',
      reason: 'KubeletReady',
      message: 'kubelet is posting ready status',
      lastHeartbeatTime: '2026-01-01T00:00:00Z',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    });
    assert.equal(node.status?.conditions?.find((c) => c.type === 'MemoryPressure')?.reason, 'KubeletHasSufficientMemory');
  });

  test('conditions keep transition times while unchanged; changes are detected', () => {
    const a = nodeConditions({ memory: false, disk: false, pid: false }, 't1', []);
    const b = nodeConditions({ memory: false, disk: true, pid: false }, 't2', a);
    assert.equal(b.find((c) => c.type === 'Ready')?.lastTransitionTime, 't1');
    assert.equal(b.find((c) => c.type === 'DiskPressure')?.lastTransitionTime, 't2');
    assert.equal(b.find((c) => c.type === 'DiskPressure')?.reason, 'KubeletHasDiskPressure');
    assert.equal(conditionsChanged(a, b), true);
    assert.equal(conditionsChanged(a, nodeConditions({ memory: false, disk: false, pid: false }, 't3', a)), false);
  });

  test('the lease is renewed every 10 s, retried sooner on failure', async () => {
    const clock = manualClock();
    const puts: Lease[] = [];
    let fail = false;
    const ac = new AbortController();
    startLeaseRenewer(
      {
        nodeName: 'n1',
        clock,
        random: () => 0,
        put: async (l) => {
          if (fail) throw new Error('down');
          puts.push(l);
          return { ...l, metadata: { ...l.metadata, resourceVersion: String(puts.length) } };
        },
      },
      ac.signal,
    );
    const flush = () => new Promise((r) => setImmediate(r));
    await flush();
    assert.equal(puts.length, 1);
    assert.equal(puts[0]?.metadata?.namespace, 'kube-node-lease');
    assert.equal(puts[0]?.spec?.holderIdentity, 'n1');
    assert.equal(puts[0]?.spec?.leaseDurationSeconds, 40);
    clock.advance(10_000);
    await flush();
    assert.equal(puts.length, 2);
    assert.equal(puts[1]?.metadata?.resourceVersion, '1', 'updates carry the stored resourceVersion');
    fail = true;
    clock.advance(10_000);
    await flush();
    fail = false;
    clock.advance(200);
    await flush();
    assert.equal(puts.length, 3, 'retried after 200 ms');
    ac.abort();
    clock.advance(60_000);
    await flush();
    assert.equal(puts.length, 3);
  });

  test('a slow renewal does not move the next one: renewals stay 10 s apart from when they were due', async () => {
    const clock = manualClock();
    const t0 = clock.now();
    const putAt: number[] = [];
    let slow: (() => void) | undefined;
    const ac = new AbortController();
    startLeaseRenewer(
      {
        nodeName: 'n1',
        clock,
        random: () => 0,
        put: async (l) => {
          putAt.push(clock.now() - t0);
          if (putAt.length === 2) await new Promise<void>((r) => (slow = r)); // the server takes 4 s
          return l;
        },
      },
      ac.signal,
    );
    const flush = () => new Promise((r) => setImmediate(r));
    await flush();
    clock.advance(10_000);
    await flush();
    clock.advance(4_000);
    slow?.();
    await flush();
    clock.advance(5_999);
    await flush();
    assert.deepEqual(putAt, [0, 10_000], 'not yet: due at 20 s');
    clock.advance(1);
    await flush();
    assert.deepEqual(putAt, [0, 10_000, 20_000], 'due 10 s after the slow one was due, not 10 s after it ended (24 s)');
    ac.abort();
  });
});
