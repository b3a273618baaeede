// The server's own components (scheduler, controllers, embedded agent) reach it over
// <data-dir>/apiserver.sock: plain HTTP on a socket only its owner may open, with the same
// authentication as the HTTPS port. A socket file left by a killed server does not stop the next
// start, and a clean stop removes it.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { eventually, kubectlOk, startServer, type TestServer } from './harness.ts';

function viaSocket(socketPath: string, path: string, token?: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Connections accepted on `path` (/proc/net/unix lists the accepted end with the listener's path). */
function connectionsOn(path: string): number {
  return readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .filter((l) => l.endsWith(` ${path}`) && l.split(/\s+/)[5] === '03').length; // 03: SS_CONNECTED
}

const servers: TestServer[] = [];
const dirs: string[] = [];
after(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the local API socket', () => {
  it('is owner-only, authenticates as the HTTPS port does, and carries the components', async () => {
    const server = await startServer({ args: ['--disable', 'agent'] });
    servers.push(server);
    const sock = join(server.dataDir, 'apiserver.sock');
    const st = statSync(sock);
    assert.ok(st.isSocket(), `${sock} is a socket`);
    assert.equal(st.mode & 0o777, 0o600);
    const anonymous = await viaSocket(sock, '/api/v1/namespaces');
    assert.equal(anonymous.code, 401, anonymous.body);
    const admin = await viaSocket(sock, '/api/v1/namespaces', server.token);
    assert.equal(admin.code, 200, admin.body);
    assert.ok((JSON.parse(admin.body) as { items: { metadata: { name: string } }[] }).items.some((n) => n.metadata.name === 'kube-system'));
    // The scheduler's and the controllers' own clients (their writes, leases, the agent's watches)
    // use it, not TLS; the shared informers watch the watch cache in-process.
    await eventually('the components connected to the socket', async () => connectionsOn(sock) >= 10);
  });

  it('a restart after kill -9 serves again, and the controllers work through it', async () => {
    const first = await startServer({ args: ['--disable', 'agent'] });
    const dataDir = first.dataDir;
    dirs.push(dataDir);
    await first.kill9();
    assert.ok(existsSync(join(dataDir, 'apiserver.sock')), 'kill -9 leaves the socket file behind');
    const server = await startServer({ dataDir, args: ['--disable', 'agent'] });
    servers.push(server);
    await kubectlOk(server, ['create', 'deployment', 'web', '--image=busybox']);
    await eventually('the Deployment controller made a ReplicaSet', async () =>
      (await kubectlOk(server, ['get', 'replicasets', '-o', 'name'])).includes('replicaset.apps/web-'),
    );
    await server.stop();
    assert.ok(!existsSync(join(dataDir, 'apiserver.sock')), 'a clean stop removes the socket file');
  });
});
