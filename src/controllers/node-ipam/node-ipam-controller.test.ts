import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { eventually, kubectl, startServer, type TestServer } from '../../../test/integration/harness.ts';
import { nodeSubnets } from './node-ipam-controller.ts';

describe('nodeSubnets', () => {
  test('splits a cluster CIDR into /24s in address order', () => {
    const s16 = nodeSubnets('10.42.0.0/16');
    assert.equal(s16.length, 256);
    assert.deepEqual([s16[0], s16[1], s16[255]], ['10.42.0.0/24', '10.42.1.0/24', '10.42.255.0/24']);
    assert.deepEqual(nodeSubnets('10.42.8.0/22'), ['10.42.8.0/24', '10.42.9.0/24', '10.42.10.0/24', '10.42.11.0/24']);
    assert.deepEqual(nodeSubnets('172.16.5.0/24'), ['172.16.5.0/24']);
  });

  test('refuses what is not an IPv4 CIDR of /8 to /24', () => {
    for (const bad of ['10.42.0.0/25', '10.42.0.0', 'fd00::/64', '300.1.0.0/16']) assert.throws(() => nodeSubnets(bad), /cluster CIDR/);
  });
});

describe('node IPAM in peapod server', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ args: ['--disable', 'agent,scheduler'] });
  });
  after(async () => {
    await server.stop();
  });

  const node = (name: string, podCIDR?: string): string =>
    JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} });

  test('nodes without a pod CIDR get the first free /24s; a set one is kept and counted as taken', async () => {
    // n-own holds 10.42.0.0/24 (an agent started with --pod-cidr): the others skip it.
    let r = await kubectl(server, ['create', '-f', '-'], { input: node('n-own', '10.42.0.0/24') });
    assert.equal(r.code, 0, r.stderr);
    for (const n of ['n-a', 'n-b']) {
      r = await kubectl(server, ['create', '-f', '-'], { input: node(n) });
      assert.equal(r.code, 0, r.stderr);
    }
    const cidrs = await eventually('both nodes allocated', async () => {
      const res = await kubectl(server, ['get', 'nodes', '-o', 'json']);
      const items = (JSON.parse(res.stdout) as { items: Node[] }).items;
      const m = new Map(items.map((n) => [n.metadata?.name, n.spec?.podCIDR]));
      return m.get('n-a') && m.get('n-b') ? m : undefined;
    });
    assert.equal(cidrs.get('n-own'), '10.42.0.0/24');
    assert.deepEqual([cidrs.get('n-a'), cidrs.get('n-b')].sort(), ['10.42.1.0/24', '10.42.2.0/24']);
    const shown = await kubectl(server, ['get', 'node', 'n-a', '-o', 'jsonpath={.spec.podCIDRs[0]}']);
    assert.equal(shown.stdout, cidrs.get('n-a'));

    // A deleted node's /24 is free again.
    const freed = cidrs.get('n-a')!;
    assert.equal((await kubectl(server, ['delete', 'node', 'n-a'])).code, 0);
    await kubectl(server, ['create', '-f', '-'], { input: node('n-c') });
    const got = await eventually(
      'n-c allocated',
      async () => (await kubectl(server, ['get', 'node', 'n-c', '-o', 'jsonpath={.spec.podCIDR}'])).stdout || undefined,
    );
    assert.equal(got, freed);
  });
});
