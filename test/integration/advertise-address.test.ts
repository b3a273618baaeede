// `peapod server --advertise-address`: the `kubernetes` Service's endpoint is the advertised
// address, and the serving certificate names everything an in-cluster client may dial (the
// Service's ClusterIP and DNS names, the advertised address), as kube-apiserver's does. The
// advertised address is a documentation address (TEST-NET-1) that nothing ever connects to.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import { api, API_ONLY, startServer, type TestServer } from './harness.ts';

const ADVERTISED = '192.0.2.10';

/** The SAN list of the certificate the server presents on its (loopback) URL. */
function servingSans(server: TestServer): Promise<string> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), ca: server.ca, servername: 'localhost' }, () => {
      const san = socket.getPeerX509Certificate()?.subjectAltName ?? '';
      socket.end();
      resolve(san);
    });
    socket.on('error', reject);
  });
}

describe('--advertise-address', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ args: [...API_ONLY, '--advertise-address', ADVERTISED] });
  });
  after(() => server.stop());

  it('is the kubernetes endpoint, and the certificate names it and the Service', async () => {
    const port = Number(new URL(server.url).port);
    const ep = (await api(server, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes')).json<Endpoints>();
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: ADVERTISED }], ports: [{ name: 'https', port, protocol: 'TCP' }] }]);
    const sans = (await servingSans(server)).split(', ');
    for (const want of [
      `IP Address:${ADVERTISED}`,
      'IP Address:10.43.0.1',
      'IP Address:127.0.0.1',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
    ]) {
      assert.ok(sans.includes(want), `${want} missing from ${sans.join(', ')}`);
    }
  });

  it('refuses a wildcard', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'peapod-adv-'));
    try {
      await assert.rejects(
        startServer({ dataDir, args: [...API_ONLY, '--advertise-address', '0.0.0.0'] }),
        /--advertise-address: "0.0.0.0" is not a non-wildcard IPv4 address/,
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
