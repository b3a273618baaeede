import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, type Pki } from './certs.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'peapod-pki-'));
  try {
    await fn(join(dir, 'pki'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** GETs https://<host>:<port>/ trusting only `ca`; resolves with the body or rejects on TLS errors. */
function get(host: string, port: number, ca: string, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', ca, servername, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

async function serve(pki: Pki, fn: (port: number) => Promise<void>): Promise<void> {
  const server = createServer({ cert: pki.serverCert, key: pki.serverKey }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('ensurePki', () => {
  it('creates a CA and a server certificate it signs, with the requested SANs', async () => {
    await withDir(async (dir) => {
      const pki = await ensurePki(dir, { hosts: ['10.0.0.7', 'api.example.test', '[fd00::1]'] });
      const ca = new X509Certificate(pki.caCert);
      const server = new X509Certificate(pki.serverCert);
      assert.equal(ca.subject, 'CN=peapod-ca');
      assert.equal(ca.ca, true);
      assert.ok(ca.verify(ca.publicKey), 'CA is self-signed');
      assert.ok(new Date(ca.validTo).getTime() - Date.now() > 9.9 * 365 * 24 * 3600 * 1000, 'CA lasts ~10 years');
      assert.equal(server.ca, false);
      assert.ok(server.verify(ca.publicKey), 'server cert is signed by the CA');
      assert.equal(server.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
      const sans = server.subjectAltName ?? '';
      for (const name of ['DNS:localhost', `DNS:${hostname().toLowerCase()}`, 'DNS:api.example.test', 'IP Address:127.0.0.1', 'IP Address:10.0.0.7']) {
        assert.ok(sans.includes(name), `${name} in ${sans}`);
      }
      assert.equal(server.checkIP('::1'), '::1');
      assert.equal(server.checkIP('fd00::1'), 'fd00::1');
      assert.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1']);

      for (const [file, mode] of [
        ['ca.key', 0o600],
        ['server.key', 0o600],
        ['ca.crt', 0o644],
        ['server.crt', 0o644],
      ] as const) {
        assert.equal((await stat(join(dir, file))).mode & 0o777, mode, file);
      }
    });
  });

  it('reuses existing files, and reissues only the server cert when a SAN is missing', async () => {
    await withDir(async (dir) => {
      const first = await ensurePki(dir, { hosts: ['first.example.test'] });
      assert.deepEqual(await ensurePki(dir, { hosts: ['first.example.test'] }), first);
      assert.deepEqual(await ensurePki(dir), first, 'a subset of the SANs needs nothing new');

      const second = await ensurePki(dir, { hosts: ['192.168.5.5'] });
      assert.equal(second.caCert, first.caCert);
      assert.equal(second.caKey, first.caKey);
      assert.notEqual(second.serverCert, first.serverCert);
      const server = new X509Certificate(second.serverCert);
      assert.ok(server.verify(new X509Certificate(first.caCert).publicKey));
      assert.equal(server.checkIP('192.168.5.5'), '192.168.5.5');
      assert.equal(server.checkHost('first.example.test'), 'first.example.test', 'earlier SANs are kept');
      assert.deepEqual(await ensurePki(dir, { hosts: ['192.168.5.5'] }), second);
    });
  });

  it('reissues a server cert that is near expiry or unreadable, keeping the CA', async () => {
    await withDir(async (dir) => {
      const first = await ensurePki(dir);
      const later = await ensurePki(dir, { now: () => new Date(Date.now() + 340 * 24 * 3600 * 1000) });
      assert.equal(later.caCert, first.caCert);
      assert.notEqual(later.serverCert, first.serverCert);

      await writeFile(join(dir, 'server.crt'), 'garbage');
      const repaired = await ensurePki(dir);
      assert.equal(repaired.caCert, first.caCert);
      assert.ok(new X509Certificate(repaired.serverCert).verify(new X509Certificate(first.caCert).publicKey));
    });
  });

  it('creates them without loading the X.509 library into the calling process', async () => {
    await withDir(async (dir) => {
      await ensurePki(dir, { hosts: ['10.0.0.8'] });
      // x509.ts installs Reflect.getMetadata before it imports the library (none of our other code
      // or the test runner defines it), so its presence would mean the library was loaded here.
      assert.equal((Reflect as { getMetadata?: unknown }).getMetadata, undefined);
    });
  });

  it('reports a directory it cannot write to, naming it', async () => {
    await withDir(async (dir) => {
      await writeFile(join(dir, '..', 'blocker'), '');
      const blocked = join(dir, '..', 'blocker', 'pki');
      await assert.rejects(ensurePki(blocked), (e: Error) => e.message.includes(blocked) && /ENOTDIR/.test(e.message));
    });
  });

  it('serves TLS that clients trusting only the CA accept for 127.0.0.1 and localhost', async () => {
    await withDir(async (dir) => {
      const pki = await ensurePki(dir);
      await serve(pki, async (port) => {
        assert.equal(await get('127.0.0.1', port, pki.caCert), 'ok');
        assert.equal(await get('127.0.0.1', port, pki.caCert, 'localhost'), 'ok');
        await assert.rejects(get('127.0.0.1', port, pki.caCert, 'not-in-cert.example'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      });
      const other = await ensurePki(join(dir, 'other'));
      await serve(pki, async (port) => {
        await assert.rejects(get('127.0.0.1', port, other.caCert), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
      });
    });
  });
});
