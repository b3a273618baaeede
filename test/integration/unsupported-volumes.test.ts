// A volume source the node agent does not implement is never dropped silently: the pod does not
// start without it, and a FailedMount event on the pod says which source (kubelet-like). A pod
// with supported volumes on the same (hollow) node runs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent } from '../../src/agent/agent.ts';
import { createClient, type Client } from '../../src/client/index.ts';
import { eventually, kubectl, kubectlOk, startServer, type TestServer } from './harness.ts';

const NODE = 'volumes-hollow-node';
const pod = (name: string, volume: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: ${NODE}
  containers: [{name: c, image: busybox, volumeMounts: [{name: data, mountPath: /data}]}]
  volumes: [{name: data, ${volume}}]
`;

describe('unsupported volume sources', () => {
  let server: TestServer;
  let client: Client;
  let dataDir = '';
  const life = new AbortController();

  before(async () => {
    server = await startServer({ args: ['--disable', 'agent,scheduler'] });
    client = createClient({ server: server.url, token: server.token, ca: server.ca, userAgent: 'volumes-test' });
    dataDir = await mkdtemp(join(tmpdir(), 'peapod-volumes-'));
    await startAgent({
      client,
      nodeName: NODE,
      dataDir,
      runtime: 'hollow',
      podCidr: '10.79.0.0/24',
      nodeIp: '127.0.0.1',
      signal: life.signal,
      log: () => undefined,
    });
  });

  after(async () => {
    life.abort();
    client?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('an nfs volume is reported as FailedMount and the pod does not run; an emptyDir pod runs', async () => {
    await kubectlOk(server, ['apply', '-f', '-'], pod('with-nfs', 'nfs: {server: 127.0.0.1, path: /exports}'));
    await kubectlOk(server, ['apply', '-f', '-'], pod('with-emptydir', 'emptyDir: {}'));
    await eventually(
      'the emptyDir pod Running',
      async () => (await kubectl(server, ['get', 'pod', 'with-emptydir', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running',
    );
    const event = await eventually('a FailedMount event on the nfs pod', async () => {
      const out = (
        await kubectl(server, ['get', 'events', '--field-selector', 'involvedObject.name=with-nfs,reason=FailedMount', '-o', 'jsonpath={.items[*].message}'])
      ).stdout;
      return out || undefined;
    });
    assert.match(event, /MountVolume\.SetUp failed for volume "data" : no volume plugin matched: nfs volumes are not supported by this node/);
    const phase = await kubectlOk(server, ['get', 'pod', 'with-nfs', '-o', 'jsonpath={.status.phase}']);
    assert.notEqual(phase, 'Running');
    assert.match(await kubectlOk(server, ['describe', 'pod', 'with-nfs']), /FailedMount/);
  });

  it('a projected source the node lacks (clusterTrustBundle) is reported, not left out of the volume', async () => {
    await kubectlOk(
      server,
      ['apply', '-f', '-'],
      pod(
        'with-bundle',
        'projected: {sources: [{downwardAPI: {items: [{path: name, fieldRef: {fieldPath: metadata.name}}]}}, {clusterTrustBundle: {signerName: example.com/signer, path: ca.pem}}]}',
      ),
    );
    const event = await eventually('a FailedMount event on the pod', async () => {
      const out = (
        await kubectl(server, ['get', 'events', '--field-selector', 'involvedObject.name=with-bundle,reason=FailedMount', '-o', 'jsonpath={.items[*].message}'])
      ).stdout;
      return out || undefined;
    });
    assert.match(event, /projected volume source clusterTrustBundle is not supported by this node/);
    assert.notEqual(await kubectlOk(server, ['get', 'pod', 'with-bundle', '-o', 'jsonpath={.status.phase}']), 'Running');
  });
});
