// The node-failure profile is a cluster setting: `peapod server --profile fast` publishes a 3 s
// node lease in kube-system/kubelet-config, and an agent started with no timing flags writes 3 s
// leases (renewing every 750 ms, a quarter, as kubelet) — and follows the setting when it changes
// while the agent runs. Pods get the profile's not-ready/unreachable tolerations (0 s: evicted as
// soon as their node is tainted), unless they bring their own. (The e2e multi-node test shows what a user sees: surviving nodes stay
// Ready when another node dies.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { startAgent } from '../../src/agent/agent.ts';
import { createClient, type Client } from '../../src/client/index.ts';
import { eventually, getJson, kubectlOk, startServer, type TestServer } from './harness.ts';

const NODE = 'lease-profile-node';

describe('node lease timing comes from the server profile', () => {
  let server: TestServer;
  let client: Client;
  let dataDir = '';
  const life = new AbortController();

  before(async () => {
    server = await startServer({ args: ['--disable', 'agent,scheduler', '--profile', 'fast'] });
    client = createClient({ server: server.url, token: server.token, ca: server.ca, userAgent: 'lease-profile-test' });
    dataDir = await mkdtemp(join(tmpdir(), 'peapod-lease-profile-'));
  });

  after(async () => {
    life.abort();
    client?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('publishes the lease duration; an agent without flags writes it and follows changes', async () => {
    const published = await kubectlOk(server, ['get', 'configmap', 'kubelet-config', '-n', 'kube-system', '-o', 'jsonpath={.data.kubelet}']);
    assert.match(published, /kind: KubeletConfiguration/);
    assert.match(published, /nodeLeaseDurationSeconds: 3\b/);

    await startAgent({
      client,
      nodeName: NODE,
      dataDir,
      runtime: 'hollow',
      podCidr: '10.78.0.0/24',
      nodeIp: '127.0.0.1',
      signal: life.signal,
      log: () => undefined,
    });
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`;
    const lease = await eventually('the node lease', async () => getJson<Lease>(server, leasePath).catch(() => undefined));
    assert.equal(lease.spec?.leaseDurationSeconds, 3);

    // An admin (or a server restarted with another profile) changes the setting: the running
    // agent's next renewals carry the new duration.
    const patch = JSON.stringify({
      data: { kubelet: 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nnodeLeaseDurationSeconds: 12\n' },
    });
    await kubectlOk(server, ['patch', 'configmap', 'kubelet-config', '-n', 'kube-system', '--type=merge', '-p', patch]);
    await eventually(
      'the lease renewed with the new duration',
      async () => (await getJson<Lease>(server, leasePath)).spec?.leaseDurationSeconds === 12,
      30_000,
      250,
    );
  });

  it("gives pods the profile's not-ready and unreachable tolerations; a pod's own toleration wins", async () => {
    const pods = `apiVersion: v1
kind: Pod
metadata: {name: plain, namespace: default}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: patient, namespace: default}
spec:
  tolerations: [{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 60}]
  containers: [{name: c, image: busybox}]
`;
    await kubectlOk(server, ['apply', '-f', '-'], pods);
    const tolerations = async (pod: string): Promise<string> =>
      kubectlOk(server, ['get', 'pod', pod, '-o', 'jsonpath={range .spec.tolerations[*]}{.key}={.tolerationSeconds};{end}']);
    assert.equal(await tolerations('plain'), 'node.kubernetes.io/not-ready=0;node.kubernetes.io/unreachable=0;');
    assert.equal(await tolerations('patient'), 'node.kubernetes.io/unreachable=60;node.kubernetes.io/not-ready=0;');
  });
});
