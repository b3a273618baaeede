// Real kubectl against a real `peapod server` process, no extra flags: the everyday commands
// behave as on a real cluster (pods stay Pending: nothing runs them in this test).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, chmod, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { api, eventually, kubectl, API_ONLY, startServer, type TestServer } from './harness.ts';

let server: TestServer;
let dir: string;

const podYaml = (name: string, image = 'busybox:1.36', extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: web
    tier: front
spec:
  containers:
  - name: web
    image: ${image}
    command: ["httpd", "-f", "-p", "80"]
    ports:
    - containerPort: 80
${extra}`;

const cmYaml = (name: string, value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  key: ${value}
  other: keep
`;

async function file(name: string, content: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, content);
  return p;
}

async function ok(args: string[], input?: string) {
  const r = await kubectl(server, args, { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

before(async () => {
  server = await startServer({ args: API_ONLY });
  dir = await mkdtemp(join(tmpdir(), 'peapod-kubectl-'));
});
after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kubectl against peapod', () => {
  it('reports the server version and lists API resources', async () => {
    const v = await ok(['version', '-o', 'json']);
    const parsed = JSON.parse(v) as { serverVersion: { major: string; minor: string } };
    assert.equal(parsed.serverVersion.minor, '32');
    const res = await ok(['api-resources']);
    for (const line of [
      /^pods\s+po\s+v1\s+true\s+Pod$/m,
      /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m,
      /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m,
      /^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m,
    ]) {
      assert.match(res, line);
    }
  });

  it('lists the system namespaces', async () => {
    const out = await ok(['get', 'namespaces']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(out, new RegExp(`^${ns}\\s+Active\\s+`, 'm'));
  });

  it('creates a pod from a file and shows it Pending with upstream columns', async () => {
    const f = await file('web.yaml', podYaml('web'));
    assert.match(await ok(['create', '-f', f]), /^pod\/web created$/m);
    const out = await ok(['get', 'pods']);
    assert.match(out, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    assert.match(out, /^web\s+0\/1\s+Pending\s+0\s+\d+s$/m);
    const wide = await ok(['get', 'pods', '-o', 'wide']);
    assert.match(wide, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
    assert.match(wide, /^web\s+0\/1\s+Pending\s+0\s+\d+s\s+<none>\s+<none>\s+<none>\s+<none>$/m);
    const dup = await kubectl(server, ['create', '-f', f]);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /Error from server \(AlreadyExists\).*pods "web" already exists/);
  });

  it('prints yaml, json and jsonpath with server-set fields', async () => {
    const pod = JSON.parse(await ok(['get', 'pod', 'web', '-o', 'json'])) as {
      metadata: { uid: string; creationTimestamp: string; resourceVersion: string };
      spec: {
        restartPolicy: string;
        dnsPolicy: string;
        schedulerName: string;
        terminationGracePeriodSeconds: number;
        tolerations: unknown[];
        containers: { imagePullPolicy: string }[];
      };
      status: { phase: string; qosClass: string };
    };
    assert.match(pod.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.ok(pod.metadata.creationTimestamp);
    assert.equal(pod.spec.restartPolicy, 'Always');
    assert.equal(pod.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(pod.spec.schedulerName, 'default-scheduler');
    assert.equal(pod.spec.terminationGracePeriodSeconds, 30);
    assert.equal(pod.spec.containers[0]!.imagePullPolicy, 'IfNotPresent');
    assert.equal(pod.spec.tolerations.length, 2);
    assert.equal(pod.status.phase, 'Pending');
    assert.equal(pod.status.qosClass, 'BestEffort');
    assert.match(await ok(['get', 'pod', 'web', '-o', 'yaml']), /^kind: Pod$/m);
    assert.equal(await ok(['get', 'pod', 'web', '-o', 'jsonpath={.spec.containers[0].image}']), 'busybox:1.36');
  });

  it('filters by label and field selectors and across namespaces', async () => {
    await ok(['create', '-f', await file('other.yaml', podYaml('other').replace('app: web', 'app: other'))]);
    const byLabel = await ok(['get', 'pods', '-l', 'app=web', '-o', 'name']);
    assert.equal(byLabel.trim(), 'pod/web');
    const notIn = await ok(['get', 'pods', '-l', 'app notin (web)', '-o', 'name']);
    assert.equal(notIn.trim(), 'pod/other');
    const byField = await ok(['get', 'pods', '--field-selector', 'metadata.name=other', '-o', 'name']);
    assert.equal(byField.trim(), 'pod/other');
    const phase = await ok(['get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name']);
    assert.equal(phase.trim(), '');
    const bad = await kubectl(server, ['get', 'pods', '--field-selector', 'spec.bogus=1']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /field label not supported: spec\.bogus/);
    const all = await ok(['get', 'pods', '-A']);
    assert.match(all, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    assert.match(all, /^default\s+web\s+/m);
  });

  it('applies twice (create, then strategic merge patch) and server-side', async () => {
    const f = await file('cm.yaml', cmYaml('settings', 'one'));
    assert.match(await ok(['apply', '-f', f]), /configmap\/settings created/);
    await writeFile(f, cmYaml('settings', 'two'));
    assert.match(await ok(['apply', '-f', f]), /configmap\/settings configured/);
    assert.equal(await ok(['get', 'cm', 'settings', '-o', 'jsonpath={.data.key}']), 'two');
    const ann = await ok(['get', 'cm', 'settings', '-o', 'jsonpath={.metadata.annotations}']);
    assert.match(ann, /last-applied-configuration/);
    // Pod apply: a second apply changes the image through a strategic merge patch with $setElementOrder.
    const p = await file('applied.yaml', podYaml('applied', 'busybox:1'));
    assert.match(await ok(['apply', '-f', p]), /pod\/applied created/);
    await writeFile(p, podYaml('applied', 'busybox:2'));
    assert.match(await ok(['apply', '-f', p]), /pod\/applied configured/);
    assert.equal(await ok(['get', 'pod', 'applied', '-o', 'jsonpath={.spec.containers[0].image}']), 'busybox:2');

    const ss = await file('ss.yaml', cmYaml('server-side', 'a'));
    assert.match(await ok(['apply', '--server-side', '-f', ss]), /configmap\/server-side serverside-applied/);
    const mf = JSON.parse(await ok(['get', 'cm', 'server-side', '-o', 'json', '--show-managed-fields'])) as {
      metadata: { managedFields: { manager: string; operation: string }[] };
    };
    assert.ok(mf.metadata.managedFields.some((m) => m.manager === 'kubectl' && m.operation === 'Apply'));
    await writeFile(ss, cmYaml('server-side', 'b'));
    assert.match(await ok(['apply', '--server-side', '-f', ss]), /serverside-applied/);
    assert.equal(await ok(['get', 'cm', 'server-side', '-o', 'jsonpath={.data.key}']), 'b');
    // Another manager changing an applied field conflicts until --force-conflicts.
    const conflict = await kubectl(server, ['apply', '--server-side', '--field-manager', 'other', '-f', await file('ss2.yaml', cmYaml('server-side', 'c'))]);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /conflict/i);
    assert.match(await ok(['apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', join(dir, 'ss2.yaml')]), /serverside-applied/);
    assert.equal(await ok(['get', 'cm', 'server-side', '-o', 'jsonpath={.data.key}']), 'c');
  });

  it('replaces, edits, labels, annotates and patches', async () => {
    const live = JSON.parse(await ok(['get', 'cm', 'settings', '-o', 'json'])) as { data: Record<string, string> };
    live.data.key = 'replaced';
    const f = await file('replace.json', JSON.stringify(live));
    assert.match(await ok(['replace', '-f', f]), /configmap\/settings replaced/);
    assert.equal(await ok(['get', 'cm', 'settings', '-o', 'jsonpath={.data.key}']), 'replaced');

    const editor = join(dir, 'editor.sh');
    await writeFile(editor, `#!/bin/sh\nsed -i 's/key: replaced/key: edited/' "$1"\n`);
    await chmod(editor, 0o755);
    const edited = await kubectl(server, ['edit', 'cm', 'settings'], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
    assert.equal(edited.code, 0, edited.stderr);
    assert.match(edited.stdout, /configmap\/settings edited/);
    assert.equal(await ok(['get', 'cm', 'settings', '-o', 'jsonpath={.data.key}']), 'edited');

    assert.match(await ok(['label', 'pod', 'web', 'env=prod']), /pod\/web labeled/);
    assert.match(await ok(['annotate', 'pod', 'web', 'note=hello']), /pod\/web annotated/);
    assert.equal(await ok(['get', 'pod', 'web', '-o', 'jsonpath={.metadata.labels.env}/{.metadata.annotations.note}']), 'prod/hello');
    assert.match(await ok(['label', 'pod', 'web', 'env-']), /pod\/web unlabeled/);

    assert.match(await ok(['patch', 'pod', 'web', '-p', '{"spec":{"containers":[{"name":"web","image":"busybox:smp"}]}}']), /pod\/web patched/);
    assert.equal(await ok(['get', 'pod', 'web', '-o', 'jsonpath={.spec.containers[0].image}']), 'busybox:smp');
    assert.match(await ok(['patch', 'cm', 'settings', '--type=merge', '-p', '{"data":{"other":null,"new":"x"}}']), /patched/);
    assert.equal(await ok(['get', 'cm', 'settings', '-o', 'jsonpath={.data}']), '{"key":"edited","new":"x"}');
    assert.match(
      await ok(['patch', 'pod', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/containers/0/image","value":"busybox:json"}]']),
      /patched/,
    );
    assert.equal(await ok(['get', 'pod', 'web', '-o', 'jsonpath={.spec.containers[0].image}']), 'busybox:json');

    const forbidden = await kubectl(server, ['patch', 'pod', 'web', '-p', '{"spec":{"restartPolicy":"Never"}}']);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than/);
  });

  it('explains fields from the served OpenAPI schemas', async () => {
    const out = await ok(['explain', 'pod.spec.containers']);
    assert.match(out, /KIND:\s+Pod/);
    assert.match(out, /FIELD:\s+containers <\[\]Container>/);
    assert.match(out, /List of containers belonging to the pod/);
    assert.match(out, /imagePullPolicy\s+<string>/);
  });

  it('describes a pod with its events, and lists events', async () => {
    const pod = JSON.parse(await ok(['get', 'pod', 'web', '-o', 'json'])) as { metadata: { uid: string } };
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const ev = await api(server, 'POST', '/api/v1/namespaces/default/events', {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'web.1', namespace: 'default' },
        involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: pod.metadata.uid, apiVersion: 'v1' },
        reason: 'Scheduled',
        message: 'Successfully assigned default/web to node1',
        type: 'Normal',
        source: { component: 'default-scheduler' },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    assert.equal(ev.status, 201, ev.body);
    const out = await ok(['describe', 'pod', 'web']);
    assert.match(out, /^Name:\s+web$/m);
    assert.match(out, /^Status:\s+Pending$/m);
    assert.match(out, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/web to node1/);
    const events = await ok(['get', 'events']);
    assert.match(events, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
    assert.match(events, /Normal\s+Scheduled\s+pod\/web\s+Successfully assigned default\/web to node1/);
  });

  it('watches with get -w and sees a new pod', async () => {
    const child = spawn('kubectl', ['get', 'pods', '-w', '--output-watch-events'], {
      env: { PATH: process.env.PATH ?? '', HOME: join(dir, 'home-w'), KUBECONFIG: server.kubeconfig },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually('initial list', async () => /web/.test(out), 20_000);
      await ok(['create', '-f', await file('watched.yaml', podYaml('watched'))]);
      await eventually('ADDED watched in kubectl get -w', async () => /ADDED\s+watched\s+0\/1\s+Pending/.test(out), 20_000);
      await ok(['delete', 'pod', 'watched']);
      await eventually('DELETED watched in kubectl get -w', async () => /DELETED\s+watched/.test(out), 20_000);
    } finally {
      child.kill();
    }
  });

  it('deletes an unscheduled pod at once and waits for deletion', async () => {
    const out = await ok(['delete', 'pod', 'other']);
    assert.match(out, /pod "other" deleted/);
    const gone = await kubectl(server, ['get', 'pod', 'other']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /Error from server \(NotFound\): pods "other" not found/);
    await ok(['create', '-f', await file('w2.yaml', podYaml('w2'))]);
    const waiter = kubectl(server, ['wait', '--for=delete', 'pod/w2', '--timeout=30s']);
    await ok(['delete', 'pod', 'w2', '--wait=false']);
    const w = await waiter;
    assert.equal(w.code, 0, w.stderr);
  });

  it('refuses bad names and unknown fields without writing anything', async () => {
    const bad = await kubectl(server, ['create', '-f', await file('bad.yaml', podYaml('Bad_Name'))]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Pod "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    const unknown = await kubectl(server, ['create', '-f', await file('unknown.yaml', podYaml('unknown-field') + '  bogus: 1\n')]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /strict decoding error: unknown field "spec\.bogus"/);
    const list = await ok(['get', 'pods', '-o', 'name']);
    assert.doesNotMatch(list, /unknown-field|Bad_Name/);
  });
});
