import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from '../../testing/plugin-harness.ts';
import { makeNode, makePod } from '../../testing/fixtures.ts';

const withPort = (name: string, hostPort: number, o: { hostIP?: string; protocol?: string; nodeName?: string } = {}) =>
  makePod(name, { nodeName: o.nodeName, containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort, hostIP: o.hostIP, protocol: o.protocol }] }] });

test('hostPort conflicts: same port/protocol, 0.0.0.0 overlaps every IP', () => {
  const h = harness(['NodePorts'], [makeNode('n')], [withPort('e', 8080, { nodeName: 'n', hostIP: '10.0.0.1' })]);
  const MSG = "Unschedulable: node(s) didn't have free ports for the requested pod ports";
  assert.deepEqual(h.filter(withPort('a', 8080)), { n: MSG });
  assert.deepEqual(h.filter(withPort('b', 8080, { hostIP: '10.0.0.1' })), { n: MSG });
  assert.deepEqual(h.filter(withPort('c', 8080, { hostIP: '10.0.0.2' })), { n: '' });
  assert.deepEqual(h.filter(withPort('d', 8080, { protocol: 'UDP' })), { n: '' });
  assert.deepEqual(h.filter(withPort('e2', 9090)), { n: '' });
});
