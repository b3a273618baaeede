// The pieces together, as a user sees them: kubectl, given only the written kubeconfig, verifies
// the server certificate against the embedded CA and authenticates with the admin token.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from '../../util/tls/index.ts';
import { ADMIN_USER, TokenAuthenticator, ensureAdminToken, writeKubeconfig } from './index.ts';
import { skipUnlessCI } from '../../../test/skip-unless-ci.ts';

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err && typeof err.code === 'number' ? err.code : err ? 1 : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('kubeconfig + PKI + token', { skip: skipUnlessCI(!hasKubectl() && 'kubectl not installed') }, () => {
  it('lets kubectl reach a TLS server and authenticate as system:admin', async () => {
    const root = await mkdtemp(join(tmpdir(), 'peapod-login-'));
    const pki = await ensurePki(join(root, 'pki'));
    const token = await ensureAdminToken(root);
    const auth = new TokenAuthenticator([[token, ADMIN_USER]]);
    const server = createServer({ cert: pki.serverCert, key: pki.serverKey }, (req, res) => {
      const user = auth.authenticate(req.headers.authorization);
      res.statusCode = user ? 200 : 401;
      res.end(user ? `hello ${user.name}` : 'Unauthorized');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        const config = join(root, `kubeconfig-${host}`);
        await writeKubeconfig(config, { server: `https://${host}:${port}`, caPem: pki.caCert, token });
        const ok = await kubectl(['--kubeconfig', config, 'get', '--raw', '/hello']);
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.stdout.trim(), 'hello system:admin');
      }

      const bad = join(root, 'kubeconfig-bad');
      await writeKubeconfig(bad, { server: `https://127.0.0.1:${port}`, caPem: pki.caCert, token: 'wrong' });
      const denied = await kubectl(['--kubeconfig', bad, 'get', '--raw', '/hello']);
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /You must be logged in to the server/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    }
  });
});
