// Who may do what, as users see it: a user made with `peapod kubeconfig` and bound to `view` in
// one namespace, impersonation, ServiceAccount tokens from TokenRequest, node credentials from the
// join flow, and RBAC escalation prevention — with the real kubectl and upstream's messages.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { API_ONLY, api, kubectl, kubectlOk, startServer, type TestServer } from './harness.ts';
import { joinCluster } from '../../src/agent/node/join.ts';

const ROOT = resolve(import.meta.dirname, '../..');

function peapod(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [join(ROOT, 'bin/peapod.js'), ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** One request with a client certificate (node credentials). */
function asCert(
  server: TestServer,
  creds: { cert: string; key: string },
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((res, rej) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      new URL(path, server.url),
      {
        method,
        ca: server.ca,
        cert: creds.cert,
        key: creds.key,
        headers: { Accept: 'application/json', ...(text ? { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(text)) } : {}) },
      },
      (r) => {
        let out = '';
        r.setEncoding('utf8');
        r.on('data', (d: string) => (out += d));
        r.on('end', () => res({ status: r.statusCode ?? 0, json: out ? (JSON.parse(out) as Record<string, unknown>) : {} }));
      },
    );
    req.on('error', rej);
    req.end(text);
  });
}

describe('identity: users, RBAC, ServiceAccounts, nodes', () => {
  let server: TestServer;
  let work: string;
  let alice: string;

  before(async () => {
    server = await startServer({ args: API_ONLY });
    work = await mkdtemp(join(tmpdir(), 'peapod-identity-'));
    alice = join(work, 'alice.yaml');
    const made = await peapod(['kubeconfig', '--user', 'alice', '--group', 'dev', '--data-dir', server.dataDir, '-o', alice]);
    assert.equal(made.code, 0, made.stderr);
    for (const ns of ['dev', 'prod']) await kubectlOk(server, ['create', 'namespace', ns]);
    await kubectlOk(server, ['-n', 'dev', 'create', 'rolebinding', 'alice-view', '--clusterrole=view', '--user=alice']);
    await kubectlOk(server, ['-n', 'dev', 'run', 'web', '--image=busybox', '--', 'sleep', '3600']);
    await kubectlOk(server, ['-n', 'prod', 'run', 'db', '--image=busybox', '--', 'sleep', '3600']);
  });

  after(async () => {
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const asAlice = (args: string[]) => kubectl(server, ['--kubeconfig', alice, ...args]);

  it('anonymous requests get 401 except the public health and version endpoints', async () => {
    assert.equal((await api(server, 'GET', '/api/v1/namespaces', { token: null })).status, 401);
    assert.equal((await api(server, 'GET', '/api', { token: 'not-a-token' })).status, 401);
    for (const path of ['/healthz', '/livez', '/readyz', '/version']) assert.equal((await api(server, 'GET', path, { token: null })).status, 200, path);
  });

  it('a certificate user is who the certificate says (kubectl auth whoami)', async () => {
    const r = await asAlice(['auth', 'whoami', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const review = JSON.parse(r.stdout) as { status: { userInfo: { username: string; groups: string[] } } };
    assert.equal(review.status.userInfo.username, 'alice');
    assert.deepEqual(review.status.userInfo.groups, ['dev', 'system:authenticated']);
  });

  it('view in dev: list there, no delete, nothing in prod — with upstream messages', async () => {
    const list = await asAlice(['-n', 'dev', 'get', 'pods', '-o', 'name']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout.trim(), 'pod/web');
    const del = await asAlice(['-n', 'dev', 'delete', 'pod', 'web']);
    assert.notEqual(del.code, 0);
    assert.match(
      del.stderr,
      /Error from server \(Forbidden\): pods "web" is forbidden: User "alice" cannot delete resource "pods" in API group "" in the namespace "dev"/,
    );
    const prod = await asAlice(['-n', 'prod', 'get', 'pods']);
    assert.notEqual(prod.code, 0);
    assert.match(
      prod.stderr,
      /Error from server \(Forbidden\): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "prod"/,
    );
    const secrets = await asAlice(['-n', 'dev', 'get', 'secrets']);
    assert.match(secrets.stderr, /secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "dev"/);
    assert.equal((await kubectlOk(server, ['-n', 'dev', 'get', 'pods', '-o', 'name'])).trim(), 'pod/web');
  });

  it('kubectl auth can-i answers and --list shows her rules', async () => {
    assert.equal((await asAlice(['auth', 'can-i', 'list', 'pods', '-n', 'dev'])).stdout.trim(), 'yes');
    const no = await asAlice(['auth', 'can-i', 'delete', 'pods', '-n', 'dev']);
    assert.equal(no.stdout.trim(), 'no');
    assert.equal(no.code, 1);
    const rules = await asAlice(['auth', 'can-i', '--list', '-n', 'dev']);
    assert.equal(rules.code, 0, rules.stderr);
    assert.match(rules.stdout, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    assert.match(rules.stdout, /^deployments\.apps\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    assert.match(rules.stdout, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    assert.doesNotMatch(rules.stdout, /^secrets\s/m);
    const inProd = await asAlice(['auth', 'can-i', '--list', '-n', 'prod']);
    assert.doesNotMatch(inProd.stdout, /^pods\s/m);
  });

  it('impersonation: the admin may act as alice, alice may not act as anyone', async () => {
    const asHer = await kubectl(server, ['--as', 'alice', '-n', 'prod', 'get', 'pods']);
    assert.match(asHer.stderr, /pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "prod"/);
    const who = await kubectl(server, [
      'auth',
      'whoami',
      '--as',
      'bob',
      '--as-group',
      'ops',
      '-o',
      'jsonpath={.status.userInfo.username} {.status.userInfo.groups}',
    ]);
    assert.equal(who.stdout, 'bob ["ops","system:authenticated"]');
    const denied = await asAlice(['--as', 'bob', '-n', 'dev', 'get', 'pods']);
    assert.match(denied.stderr, /users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope/);
  });

  it("a ServiceAccount token from TokenRequest carries exactly the account's rights", async () => {
    await kubectlOk(server, ['-n', 'dev', 'create', 'serviceaccount', 'reader']);
    await kubectlOk(server, ['-n', 'dev', 'create', 'role', 'cm-reader', '--verb=get,list', '--resource=configmaps']);
    await kubectlOk(server, ['-n', 'dev', 'create', 'rolebinding', 'reader-cm', '--role=cm-reader', '--serviceaccount=dev:reader']);
    await kubectlOk(server, ['-n', 'dev', 'create', 'configmap', 'settings', '--from-literal=a=1']);
    const token = (await kubectlOk(server, ['-n', 'dev', 'create', 'token', 'reader'])).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    assert.equal(claims.sub, 'system:serviceaccount:dev:reader');
    const cms = await api(server, 'GET', '/api/v1/namespaces/dev/configmaps', { token });
    assert.equal(cms.status, 200, cms.body);
    assert.ok(cms.json<{ items: { metadata: { name: string } }[] }>().items.some((c) => c.metadata.name === 'settings'));
    const secrets = await api(server, 'GET', '/api/v1/namespaces/dev/secrets', { token });
    assert.equal(secrets.status, 403);
    assert.equal(
      secrets.json().message,
      'secrets is forbidden: User "system:serviceaccount:dev:reader" cannot list resource "secrets" in API group "" in the namespace "dev"',
    );
    // A forged signature and a token of a deleted account are both unauthenticated.
    const [h, p] = token.split('.');
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/dev/configmaps', { token: `${h}.${p}.${'A'.repeat(86)}` })).status, 401);
    await kubectlOk(server, ['-n', 'dev', 'delete', 'serviceaccount', 'reader']);
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/dev/configmaps', { token })).status, 401);
  });

  it('pods get the default account and a kube-api-access volume; a missing account is refused', async () => {
    const pod = JSON.parse(await kubectlOk(server, ['-n', 'dev', 'get', 'pod', 'web', '-o', 'json'])) as {
      spec: {
        serviceAccountName: string;
        volumes: { name: string; projected?: { sources: Record<string, unknown>[] } }[];
        containers: { volumeMounts: { mountPath: string; readOnly: boolean }[] }[];
      };
    };
    assert.equal(pod.spec.serviceAccountName, 'default');
    const vol = pod.spec.volumes.find((v) => /^kube-api-access-[a-z0-9]{5}$/.test(v.name));
    assert.ok(vol, JSON.stringify(pod.spec.volumes));
    assert.deepEqual(vol.projected?.sources[0], { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
    assert.deepEqual(pod.spec.containers[0]!.volumeMounts, [{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    const bad = await kubectl(server, ['-n', 'dev', 'run', 'bad', '--image=busybox', '--overrides={"spec":{"serviceAccountName":"nope"}}']);
    assert.match(bad.stderr, /pods "bad" is forbidden: error looking up service account dev\/nope: serviceaccount "nope" not found/);
    await kubectlOk(server, ['-n', 'dev', 'run', 'quiet', '--image=busybox', '--overrides={"spec":{"automountServiceAccountToken":false}}']);
    const quiet = JSON.parse(await kubectlOk(server, ['-n', 'dev', 'get', 'pod', 'quiet', '-o', 'json'])) as { spec: { volumes?: unknown[] } };
    assert.equal(quiet.spec.volumes, undefined);
  });

  it('a node joined with the join token reads only what its pods use and writes only its own objects', async () => {
    const nodeToken = (await readFile(join(server.dataDir, 'node-token'), 'utf8')).trim();
    const creds = await joinCluster({ server: server.url, token: nodeToken, ca: server.ca, nodeName: 'n1', dataDir: join(work, 'n1') });
    const other = await joinCluster({ server: server.url, token: nodeToken, ca: server.ca, nodeName: 'n2', dataDir: join(work, 'n2') });
    // The join token itself buys nothing but credentials.
    assert.equal((await api(server, 'GET', '/api/v1/nodes', { token: nodeToken })).status, 403);
    for (const [name, c] of [
      ['n1', creds],
      ['n2', other],
    ] as const) {
      const made = await asCert(server, c, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name } });
      assert.equal(made.status, 201, JSON.stringify(made.json));
    }
    await kubectlOk(server, ['-n', 'dev', 'create', 'secret', 'generic', 'used', '--from-literal=k=v']);
    await kubectlOk(server, ['-n', 'dev', 'create', 'secret', 'generic', 'unused', '--from-literal=k=v']);
    await kubectlOk(
      server,
      ['-n', 'dev', 'apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'on-n1', namespace: 'dev' },
        spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox', env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 'used', key: 'k' } } }] }] },
      }),
    );
    assert.equal((await asCert(server, creds, 'GET', '/api/v1/namespaces/dev/secrets/used')).status, 200);
    const unused = await asCert(server, creds, 'GET', '/api/v1/namespaces/dev/secrets/unused');
    assert.equal(unused.status, 403);
    assert.equal(
      unused.json.message,
      'secrets "unused" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "dev": no relationship found between node \'n1\' and this object',
    );
    assert.equal((await asCert(server, other, 'GET', '/api/v1/namespaces/dev/secrets/used')).status, 403);
    const patchOwn = await asCert(server, creds, 'PATCH', '/api/v1/nodes/n1', { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
    assert.equal(patchOwn.status, 200, JSON.stringify(patchOwn.json));
    const patchOther = await asCert(server, creds, 'PATCH', '/api/v1/nodes/n2', { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
    assert.equal(patchOther.status, 403);
    assert.equal(patchOther.json.message, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    // A node writes the status of its own pods only (NodeRestriction, with the request's user).
    const status = { status: { conditions: [{ type: 'Ready', status: 'False' }] } };
    const ownStatus = await asCert(server, creds, 'PATCH', '/api/v1/namespaces/dev/pods/on-n1/status', status, 'application/merge-patch+json');
    assert.equal(ownStatus.status, 200, JSON.stringify(ownStatus.json));
    const otherStatus = await asCert(server, other, 'PATCH', '/api/v1/namespaces/dev/pods/on-n1/status', status, 'application/merge-patch+json');
    assert.equal(otherStatus.status, 403);
    assert.equal(otherStatus.json.message, 'pods "on-n1" is forbidden: node "n2" can only update pods with spec.nodeName set to itself');
    const token = await asCert(server, creds, 'POST', '/api/v1/namespaces/dev/serviceaccounts/default/token', {
      spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'on-n1' } },
    });
    assert.equal(token.status, 201, JSON.stringify(token.json));
    const stolen = await asCert(server, other, 'POST', '/api/v1/namespaces/dev/serviceaccounts/default/token', {
      spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'on-n1' } },
    });
    assert.equal(stolen.status, 403);
    // The cluster's kubelet settings (the lease duration agents follow) and nothing else in kube-system.
    assert.equal((await asCert(server, creds, 'GET', '/api/v1/namespaces/kube-system/configmaps/kubelet-config')).status, 200);
    assert.equal((await asCert(server, creds, 'GET', '/api/v1/namespaces/kube-system/configmaps?fieldSelector=metadata.name%3Dkubelet-config')).status, 200);
    assert.equal((await asCert(server, creds, 'GET', '/api/v1/namespaces/kube-system/configmaps')).status, 403);
    assert.equal((await asCert(server, creds, 'GET', '/api/v1/namespaces/kube-system/configmaps/kube-root-ca.crt')).status, 403);
  });

  it('nobody grants rights they do not hold', async () => {
    await kubectlOk(server, ['-n', 'dev', 'create', 'rolebinding', 'alice-admin-roles', '--clusterrole=view', '--user=alice']);
    await kubectlOk(server, [
      '-n',
      'dev',
      'create',
      'role',
      'binder',
      '--verb=create,get,list',
      '--resource=rolebindings.rbac.authorization.k8s.io,roles.rbac.authorization.k8s.io',
    ]);
    await kubectlOk(server, ['-n', 'dev', 'create', 'rolebinding', 'alice-binder', '--role=binder', '--user=alice']);
    const escalate = await asAlice(['-n', 'dev', 'create', 'rolebinding', 'mine', '--clusterrole=edit', '--user=alice']);
    assert.notEqual(escalate.code, 0);
    assert.match(
      escalate.stderr,
      /rolebindings\.rbac\.authorization\.k8s\.io "mine" is forbidden: user "alice" \(groups=\["dev" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:/,
    );
    const secretsRole = await asAlice(['-n', 'dev', 'create', 'role', 'peek', '--verb=get', '--resource=secrets']);
    assert.match(
      secretsRole.stderr,
      /roles\.rbac\.authorization\.k8s\.io "peek" is forbidden: user "alice" .* is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["get"\]\}/,
    );
    // Within her rights it works.
    const ok = await asAlice(['-n', 'dev', 'create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob']);
    assert.equal(ok.code, 0, ok.stderr);
  });
});
