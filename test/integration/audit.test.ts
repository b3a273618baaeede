// The audit log as an operator reads it: --audit-log-path with --audit-policy-file writes one
// audit.k8s.io/v1 Event per request the policy selects, at the policy's level.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_ONLY, eventually, kubectl, kubectlOk, startServer, type TestServer } from './harness.ts';

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  nonResourceURLs: ["/api*", "/openapi*", "/version"]
- level: Request
  resources: [{group: "", resources: ["configmaps"]}]
- level: Metadata
  verbs: ["delete", "list"]
`;

interface AuditEvent {
  kind: string;
  apiVersion: string;
  level: string;
  stage: string;
  verb: string;
  user: { username: string };
  impersonatedUser?: { username: string };
  objectRef?: { resource: string; namespace?: string; name?: string };
  responseStatus: { code: number };
  requestObject?: { data?: Record<string, string> };
}

describe('audit log', () => {
  let server: TestServer;
  let dir: string;
  let log: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peapod-audit-'));
    log = join(dir, 'audit.log');
    await writeFile(join(dir, 'policy.yaml'), POLICY);
    server = await startServer({ args: [...API_ONLY, '--audit-log-path', log, '--audit-policy-file', join(dir, 'policy.yaml')] });
  });

  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs what the policy selects, at its level, and nothing else', async () => {
    await kubectlOk(
      server,
      ['create', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'audited', namespace: 'default' }, data: { k: 'v' } }),
    );
    await kubectlOk(server, ['get', 'namespaces']);
    await kubectlOk(server, ['get', 'namespace', 'default']);
    const denied = await kubectl(server, ['--as', 'mallory', 'delete', 'namespace', 'kube-public']);
    assert.notEqual(denied.code, 0);
    const events = await eventually('audit events', async () => {
      const lines = (await readFile(log, 'utf8'))
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditEvent);
      return lines.some((e) => e.impersonatedUser) ? lines : undefined;
    });
    for (const e of events) {
      assert.equal(e.kind, 'Event');
      assert.equal(e.apiVersion, 'audit.k8s.io/v1');
      assert.equal(e.stage, 'ResponseComplete');
    }
    const create = events.find((e) => e.verb === 'create' && e.objectRef?.name === 'audited');
    assert.ok(create, JSON.stringify(events));
    assert.equal(create.level, 'Request');
    assert.equal(create.user.username, 'system:admin');
    assert.deepEqual(create.requestObject?.data, { k: 'v' });
    assert.equal(create.responseStatus.code, 201);
    const list = events.find((e) => e.verb === 'list' && e.objectRef?.resource === 'namespaces');
    assert.equal(list?.level, 'Metadata');
    assert.equal(list?.requestObject, undefined);
    const forbidden = events.find((e) => e.impersonatedUser?.username === 'mallory');
    assert.equal(forbidden?.verb, 'delete');
    assert.equal(forbidden?.responseStatus.code, 403);
    assert.equal(forbidden?.user.username, 'system:admin');
    // `get namespace default` matches no rule: not logged. Discovery is level None.
    assert.ok(!events.some((e) => e.verb === 'get' && e.objectRef?.resource === 'namespaces'));
    assert.ok(!events.some((e) => !e.objectRef));
  });
});
