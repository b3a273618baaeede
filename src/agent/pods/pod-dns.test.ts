import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podDnsConfig, type ClusterDnsSettings } from './pod-dns.ts';
import { sandboxConfig } from './pod-sync.ts';

const cluster: ClusterDnsSettings = {
  servers: ['10.43.0.10'],
  domain: 'cluster.local',
  host: { nameservers: ['192.0.2.53'], searches: ['corp.example'], options: ['timeout:2'] },
};
const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({ metadata: { name: 'p', namespace: 'team' }, spec: { containers: [], ...spec } });

test('ClusterFirst (the default) asks the cluster DNS with the namespace search path and ndots:5', () => {
  assert.deepEqual(podDnsConfig(pod(), cluster), {
    nameservers: ['10.43.0.10'],
    searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'],
    options: ['ndots:5'],
  });
  assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true }), cluster).nameservers, ['10.43.0.10']);
});

test('Default and host-network ClusterFirst use the node resolv.conf; no cluster DNS falls back to it', () => {
  const host = { nameservers: ['192.0.2.53'], searches: ['corp.example'], options: ['timeout:2'] };
  assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'Default' }), cluster), host);
  assert.deepEqual(podDnsConfig(pod({ hostNetwork: true }), cluster), host);
  assert.deepEqual(podDnsConfig(pod(), { ...cluster, servers: [] }), host);
});

test('None takes only dnsConfig, which merges into the other policies', () => {
  const dnsConfig = { nameservers: ['192.0.2.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] };
  assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig }), cluster), {
    nameservers: ['192.0.2.1'],
    searches: ['a.example'],
    options: ['ndots:2', 'edns0'],
  });
  const merged = podDnsConfig(pod({ dnsConfig }), cluster);
  assert.deepEqual(merged.nameservers, ['10.43.0.10', '192.0.2.1']);
  assert.deepEqual(merged.options, ['ndots:2', 'edns0'], 'the pod overrides ndots');
  assert.equal(merged.searches?.at(-1), 'a.example');
});

test('without cluster DNS settings the sandbox keeps the host resolv.conf unless the policy is None', () => {
  assert.equal(sandboxConfig(pod()).dns, undefined);
  assert.deepEqual(sandboxConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['192.0.2.1'] } })).dns?.nameservers, ['192.0.2.1']);
  assert.deepEqual(sandboxConfig(pod(), cluster).dns?.nameservers, ['10.43.0.10']);
});
