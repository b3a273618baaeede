// The scheduler writes its Events through a connection pool of its own, so that in a burst a
// pod's binding never waits for a socket behind Event writes. An operator sees that in the audit
// log: the Scheduled Event and the binding of the same pod come from different user agents.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { api, eventually, readyNode, startServer, type TestServer } from './harness.ts';

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: Metadata
  users: ["system:kube-scheduler"]
  verbs: ["create", "patch"]
- level: None
`;

interface AuditEvent {
  verb: string;
  user: { username: string };
  userAgent?: string;
  objectRef?: { resource: string; subresource?: string; namespace?: string; name?: string };
  responseStatus: { code: number };
}

describe('scheduler events', () => {
  let server: TestServer;
  let dir: string;
  let log: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peapod-sched-events-'));
    log = join(dir, 'audit.log');
    await writeFile(join(dir, 'policy.yaml'), POLICY);
    server = await startServer({
      args: ['--disable', 'agent', '--node-monitor-grace-period', '1h', '--audit-log-path', log, '--audit-policy-file', join(dir, 'policy.yaml')],
    });
  });

  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes Events with a client of their own, not the one that binds pods', async () => {
    assert.equal((await api(server, 'POST', '/api/v1/nodes', { body: readyNode('n1') })).status, 201);
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    assert.equal((await api(server, 'POST', '/api/v1/namespaces/default/pods', { body: pod })).status, 201);

    const entries = await eventually('binding and Scheduled event audited', async () => {
      const lines = (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
      const all = lines.map((l) => JSON.parse(l) as AuditEvent);
      const binding = all.find((e) => e.objectRef?.resource === 'pods' && e.objectRef.subresource === 'binding' && e.objectRef.name === 'p1');
      const event = all.find((e) => e.objectRef?.resource === 'events' && e.verb === 'create' && e.responseStatus.code === 201);
      return binding && event ? { binding, event } : undefined;
    });
    assert.equal(entries.binding.responseStatus.code, 201);
    assert.equal(entries.binding.user.username, 'system:kube-scheduler');
    assert.equal(entries.event.user.username, 'system:kube-scheduler');
    assert.equal(entries.binding.userAgent, 'peapod-scheduler');
    assert.equal(entries.event.userAgent, 'peapod-scheduler-events');
  });
});
