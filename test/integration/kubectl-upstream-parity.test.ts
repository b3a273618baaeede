// Behaviours where the real kubectl once showed Peapod differing from kube-apiserver: a zero in a
// protobuf body, a body of the wrong kind, rollout history/undo of DaemonSets and StatefulSets,
// storageVersionHash in discovery, and moving from client-side to server-side apply.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, kubectl, kubectlOk, startServer, type TestServer } from './harness.ts';

let server: TestServer;
let dir = '';

before(async () => {
  server = await startServer({ args: ['--disable', 'agent,scheduler'] });
  dir = await mkdtemp(join(tmpdir(), 'peapod-parity-'));
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('request bodies', () => {
  it('a zero in a protobuf body is kept: kubectl create priorityclass --value=0', async () => {
    const out = await kubectlOk(server, ['create', 'priorityclass', 'zero-prio', '--value=0', '--dry-run=server', '-o', 'json']);
    assert.equal((JSON.parse(out) as { value?: number }).value, 0);
  });

  it('a Pod POSTed to /api/v1/namespaces is refused as upstream, and nothing is created', async () => {
    const yamlPod = join(dir, 'pod.yaml');
    await writeFile(yamlPod, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: valid-pod\nspec:\n  containers:\n  - name: c\n    image: busybox\n');
    const raw = await kubectl(server, ['create', '--raw', '/api/v1/namespaces', '-f', yamlPod]);
    assert.notEqual(raw.code, 0);
    assert.match(
      raw.stderr,
      /Error from server \(BadRequest\): the object provided is unrecognized \(must be of type Namespace\): couldn't get version\/kind; json parse error: invalid character 'a' looking for beginning of value \(6170[0-9a-f]+ \.\.\.\)/,
    );

    const jsonPod = join(dir, 'pod.json');
    await writeFile(
      jsonPod,
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'valid-pod' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }),
    );
    const typed = await kubectl(server, ['create', '--raw', '/api/v1/namespaces', '-f', jsonPod]);
    assert.notEqual(typed.code, 0);
    assert.match(typed.stderr, /Error from server \(BadRequest\): Pod in version "v1" cannot be handled as a Namespace/);
    assert.doesNotMatch(await kubectlOk(server, ['get', 'namespaces', '-o', 'name']), /valid-pod/);
  });
});

const WORKLOADS = {
  daemonset: (image: string, cause: string) => `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: hist-ds
  annotations: {kubernetes.io/change-cause: "${cause}"}
spec:
  selector: {matchLabels: {app: hist-ds}}
  template:
    metadata: {labels: {app: hist-ds}}
    spec: {containers: [{name: c, image: "${image}"}]}
`,
  statefulset: (image: string, cause: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: hist-sts
  annotations: {kubernetes.io/change-cause: "${cause}"}
spec:
  replicas: 0
  serviceName: hist-sts
  selector: {matchLabels: {app: hist-sts}}
  template:
    metadata: {labels: {app: hist-sts}}
    spec: {containers: [{name: c, image: "${image}"}]}
`,
};

describe('rollout history and undo', () => {
  for (const [kind, manifest] of Object.entries(WORKLOADS)) {
    const ref = `${kind}/hist-${kind === 'daemonset' ? 'ds' : 'sts'}`;
    it(`${kind}: history shows each revision's change-cause; undo --to-revision restores it`, async () => {
      await kubectlOk(server, ['apply', '-f', '-'], manifest('busybox:1.35', 'first release'));
      await eventually('revision 1 in the history', async () => /\n1\s+first release\n/.test((await kubectl(server, ['rollout', 'history', ref])).stdout));
      await kubectlOk(server, ['apply', '-f', '-'], manifest('busybox:1.36', 'image 1.36'));
      const history = await eventually('revision 2 in the history', async () => {
        const out = (await kubectl(server, ['rollout', 'history', ref])).stdout;
        return /\n2\s+image 1\.36\n/.test(out) ? out : undefined;
      });
      assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+first release\n2\s+image 1\.36\n/);
      assert.match(await kubectlOk(server, ['rollout', 'history', ref, '--revision=1']), /Image:\s+busybox:1\.35/);

      assert.match(await kubectlOk(server, ['rollout', 'undo', ref, '--to-revision=1']), /rolled back/);
      assert.equal(await kubectlOk(server, ['get', ref, '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'busybox:1.35');
      // The restored template becomes the newest revision, keeping its cause.
      await eventually('revision 3 is the restored one', async () =>
        /\n2\s+image 1\.36\n3\s+first release\n/.test((await kubectl(server, ['rollout', 'history', ref])).stdout),
      );
    });
  }
});

describe('discovery', () => {
  it("APIResourceLists carry upstream's storageVersionHash", async () => {
    type List = { resources: { name: string; storageVersionHash?: string }[] };
    const core = JSON.parse(await kubectlOk(server, ['get', '--raw', '/api/v1'])) as List;
    const hash = (l: List, name: string) => l.resources.find((r) => r.name === name)?.storageVersionHash;
    // Values a kube-apiserver serves (sha256 of "<group>/<version>/<Kind>", first 8 bytes, base64).
    assert.equal(hash(core, 'pods'), 'xPOwRZ+Yhw8=');
    assert.equal(hash(core, 'namespaces'), 'Q3oi5N2YM8M=');
    assert.equal(hash(core, 'pods/status'), undefined, 'subresources have none');
    const apps = JSON.parse(await kubectlOk(server, ['get', '--raw', '/apis/apps/v1'])) as List;
    assert.equal(hash(apps, 'deployments'), '8aSe+NMegvE=');
  });
});

describe('client-side to server-side apply', () => {
  const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: csa-to-ssa}
spec:
  replicas: 0
  selector: {matchLabels: {app: csa-to-ssa}}
  template:
    metadata: {labels: {app: csa-to-ssa}}
    spec: {containers: [{name: c, image: "${image}"}]}
`;

  it('kubectl diff/apply --server-side take over what the same user applied client-side', async () => {
    await kubectlOk(server, ['apply', '-f', '-'], deployment('busybox:1.35'));
    const diff = await kubectl(server, ['diff', '--server-side', '-f', '-'], { input: deployment('busybox:1.36') });
    assert.equal(diff.code, 1, `diff shows a change and no error: ${diff.stderr}`);
    assert.match(diff.stdout, /\+\s+- image: busybox:1\.36|\+\s+image: busybox:1\.36/);
    assert.doesNotMatch(diff.stderr, /conflict/);

    await kubectlOk(server, ['apply', '--server-side', '-f', '-'], deployment('busybox:1.36'));
    const live = JSON.parse(await kubectlOk(server, ['get', 'deployment', 'csa-to-ssa', '-o', 'json', '--show-managed-fields'])) as {
      metadata: { annotations?: Record<string, string>; managedFields?: { manager: string; operation: string; fieldsV1?: unknown }[] };
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    assert.equal(live.spec.template.spec.containers[0]?.image, 'busybox:1.36');
    const owner = live.metadata.managedFields?.find((m) => m.manager === 'kubectl' && m.operation === 'Apply');
    assert.match(JSON.stringify(owner?.fieldsV1), /f:image/, 'the server-side manager owns the image now');
    // The annotation follows, so a later client-side apply patches from the right base.
    const lastApplied = JSON.parse(live.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}') as typeof live;
    assert.equal(lastApplied.spec.template.spec.containers[0]?.image, 'busybox:1.36');

    // A field someone else changed since is still a conflict.
    await kubectlOk(server, ['set', 'image', 'deployment/csa-to-ssa', 'c=busybox:1.37']);
    const conflict = await kubectl(server, ['apply', '--server-side', '-f', '-'], { input: deployment('busybox:1.38') });
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl-set"/);
  });
});
