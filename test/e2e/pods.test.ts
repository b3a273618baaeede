// Pods as real containers, driven by the real kubectl against `peapod server` with its embedded
// agent (and, for the crash test, a separate `peapod agent` process). Root only; every run uses
// its own node name, pod subnet and bridge, and removes all of them at the end.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Container, ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { api, eventually, kubectl, sleep, startServer, type TestServer } from '../integration/harness.ts';
import {
  deletePodsAndStop,
  startNodeServer,
  bridgeExists,
  destroyTestNode,
  e2eSkipReason,
  getPod,
  httpGet,
  newTestNode,
  sandboxes,
  startAgentProcess,
  waitPod,
  type AgentProcess,
  type TestNode,
} from './e2e-harness.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';

const skip = skipUnlessCI(e2eSkipReason());

function pod(name: string, node: TestNode, spec: { containers: Container[]; initContainers?: Container[]; restartPolicy?: string; volumes?: unknown[] }): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { nodeName: node.nodeName, terminationGracePeriodSeconds: 1, ...spec } as Pod['spec'],
  };
}

/** The seed's example: busybox httpd serving a shared emptyDir that a sidecar keeps writing. */
function webPod(name: string, node: TestNode): Pod {
  const www = [{ name: 'www', mountPath: '/www' }];
  return pod(name, node, {
    containers: [
      { name: 'web', image: 'busybox', command: ['httpd', '-f', '-p', '80', '-h', '/www'], volumeMounts: www },
      {
        name: 'sidecar',
        image: 'busybox',
        command: [
          'sh',
          '-c',
          'while true; do echo "hello from $(hostname) $(date +%s)" | tee /www/index.html.new; mv /www/index.html.new /www/index.html; sleep 1; done',
        ],
        volumeMounts: www,
      },
    ],
    volumes: [{ name: 'www', emptyDir: {} }],
  });
}

async function apply(server: TestServer, obj: Pod): Promise<void> {
  const r = await kubectl(server, ['apply', '-f', '-'], { input: JSON.stringify(obj) });
  assert.equal(r.code, 0, r.stderr);
}

const ready = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const status = (p: Pod, name: string): ContainerStatus | undefined =>
  [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])].find((c) => c.name === name);

describe('pods on real containers (embedded agent)', { skip, timeout: 150_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;

  before(async () => {
    ({ node, server } = await startNodeServer('emb'));
  });

  after(async () => {
    if (!server) return;
    await deletePodsAndStop(server, node);
    const bridgeLeft = bridgeExists(node.bridge);
    await destroyTestNode(node);
    assert.equal(bridgeLeft, false, `the agent removes its idle bridge ${node.bridge} at shutdown`);
    assert.equal(existsSync(node.dir), false);
  });

  test('the node registers with the control-plane label, Ready, with a lease', async () => {
    const r = await kubectl(server!, ['get', 'node', node.nodeName, '--no-headers']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${node.nodeName}\\s+Ready\\s+control-plane\\s`));
    const lease = await api(server!, 'GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node.nodeName}`);
    assert.equal(lease.status, 200);
    const n = (await api(server!, 'GET', `/api/v1/nodes/${node.nodeName}`)).json<{ spec: { podCIDR?: string; taints?: unknown[] } }>();
    assert.equal(n.spec.podCIDR, node.subnet);
    assert.equal(n.spec.taints, undefined, 'untainted without --control-plane-taint');
  });

  test('web + sidecar sharing an emptyDir: Running 2/2, page served at the pod IP; two pods, two IPs', async () => {
    await apply(server!, webPod('web', node));
    await apply(server!, webPod('web2', node));
    const w = await kubectl(server!, ['wait', '--for=condition=Ready', 'pod/web', 'pod/web2', '--timeout=60s']);
    assert.equal(w.code, 0, w.stderr);
    const got = await kubectl(server!, ['get', 'pod', 'web', '--no-headers']);
    assert.match(got.stdout, /^web\s+2\/2\s+Running\s+0\s/);
    const a = (await getPod(server!, 'web'))!;
    const b = (await getPod(server!, 'web2'))!;
    const prefix = node.subnet.replace(/0\/24$/, '');
    assert.ok(a.status?.podIP?.startsWith(prefix), `pod IP ${a.status?.podIP} in ${node.subnet}`);
    assert.ok(b.status?.podIP?.startsWith(prefix));
    assert.notEqual(a.status?.podIP, b.status?.podIP);
    // The sidecar wrote it (hostname = pod name), the web container served it.
    const page = await eventually('page', () => httpGet(`http://${a.status!.podIP}/`), 10_000);
    assert.match(page, /^hello from web \d+/);
    assert.match(await httpGet(`http://${b.status!.podIP}/`), /^hello from web2 /);
    // Same network namespace: the sidecar reaches the web container on the pod's loopback.
    const ex = await kubectl(server!, ['exec', 'web', '-c', 'sidecar', '--', 'wget', '-qO-', 'http://127.0.0.1/']);
    assert.equal(ex.code, 0, ex.stderr);
    assert.match(ex.stdout, /^hello from web \d+/);
  });

  test('delete and recreate with the same name: new UID, new sandbox', async () => {
    const before = (await getPod(server!, 'web2'))!;
    const oldUid = before.metadata!.uid!;
    assert.ok((await sandboxes(node)).includes(oldUid));
    const d = await kubectl(server!, ['delete', 'pod', 'web2', '--wait=true', '--timeout=30s']);
    assert.equal(d.code, 0, d.stderr);
    assert.equal((await sandboxes(node)).includes(oldUid), false, 'old sandbox removed before the pod disappears');
    await apply(server!, webPod('web2', node));
    const after = await waitPod(server!, 'web2', 'Ready', ready);
    assert.notEqual(after.metadata!.uid, oldUid);
    assert.ok((await sandboxes(node)).includes(after.metadata!.uid!));
    assert.equal(status(after, 'web')?.restartCount, 0);
    assert.notEqual(status(after, 'web')?.containerID, status(before, 'web')?.containerID);
    assert.match(await eventually('page', () => httpGet(`http://${after.status!.podIP}/`), 10_000), /^hello from web2 /);
  });

  test('restart policies × exit codes give the upstream phase, restartCount and states', async () => {
    const cases = [
      { policy: 'Always', code: 0 },
      { policy: 'Always', code: 1 },
      { policy: 'OnFailure', code: 0 },
      { policy: 'OnFailure', code: 1 },
      { policy: 'Never', code: 0 },
      { policy: 'Never', code: 1 },
    ];
    const name = (c: { policy: string; code: number }): string => `rp-${c.policy.toLowerCase()}-${c.code}`;
    for (const c of cases) {
      await apply(
        server!,
        pod(name(c), node, { restartPolicy: c.policy, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', `sleep 0.2; exit ${c.code}`] }] }),
      );
    }
    const reason = (code: number): string => (code === 0 ? 'Completed' : 'Error');
    await Promise.all(
      cases.map(async (c) => {
        const restarts = c.policy === 'Always' || (c.policy === 'OnFailure' && c.code !== 0);
        if (restarts) {
          const p = await waitPod(
            server!,
            name(c),
            'restarted once',
            (x) => (status(x, 'c')?.restartCount ?? 0) >= 1 && status(x, 'c')?.lastState?.terminated !== undefined,
          );
          assert.equal(p.status?.phase, 'Running', name(c));
          assert.equal(status(p, 'c')?.lastState?.terminated?.exitCode, c.code);
          assert.equal(status(p, 'c')?.lastState?.terminated?.reason, reason(c.code));
        } else {
          const p = await waitPod(server!, name(c), 'terminal', (x) => x.status?.phase === 'Succeeded' || x.status?.phase === 'Failed');
          assert.equal(p.status?.phase, c.code === 0 ? 'Succeeded' : 'Failed', name(c));
          assert.equal(status(p, 'c')?.restartCount, 0);
          assert.equal(status(p, 'c')?.state?.terminated?.exitCode, c.code);
          assert.equal(status(p, 'c')?.state?.terminated?.reason, reason(c.code));
        }
      }),
    );
    // After the first restart a crashing container waits in CrashLoopBackOff (10 s back-off).
    const looping = await waitPod(server!, 'rp-always-1', 'CrashLoopBackOff', (x) => status(x, 'c')?.state?.waiting?.reason === 'CrashLoopBackOff', 30_000);
    assert.match(status(looping, 'c')?.state?.waiting?.message ?? '', /^back-off 10s restarting failed container=c pod=rp-always-1_default\(/);
  });

  test('init containers run in order before the app; a failing one with restartPolicy Never fails the pod', async () => {
    const work = [{ name: 'work', mountPath: '/work' }];
    await apply(
      server!,
      pod('init-ok', node, {
        volumes: [{ name: 'work', emptyDir: {} }],
        initContainers: [
          { name: 'first', image: 'busybox', command: ['sh', '-c', 'echo one > /work/order'], volumeMounts: work },
          { name: 'second', image: 'busybox', command: ['sh', '-c', 'test "$(cat /work/order)" = one && echo two >> /work/order'], volumeMounts: work },
        ],
        containers: [
          {
            name: 'app',
            image: 'busybox',
            command: ['sh', '-c', 'test "$(cat /work/order | tr "\\n" " ")" = "one two " && exec sleep 3600'],
            volumeMounts: work,
          },
        ],
      }),
    );
    await apply(
      server!,
      pod('init-fail', node, {
        restartPolicy: 'Never',
        initContainers: [
          { name: 'init1', image: 'busybox', command: ['sh', '-c', 'exit 3'] },
          { name: 'init2', image: 'busybox', command: ['true'] },
        ],
        containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }],
      }),
    );
    const ok = await waitPod(server!, 'init-ok', 'Ready', ready);
    assert.equal(ok.status?.phase, 'Running');
    for (const n of ['first', 'second']) {
      assert.equal(status(ok, n)?.state?.terminated?.reason, 'Completed', n);
      assert.equal(status(ok, n)?.state?.terminated?.exitCode, 0);
    }
    assert.equal(ok.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');

    const failed = await waitPod(server!, 'init-fail', 'Failed', (x) => x.status?.phase === 'Failed');
    assert.equal(status(failed, 'init1')?.state?.terminated?.exitCode, 3);
    assert.equal(status(failed, 'init1')?.state?.terminated?.reason, 'Error');
    assert.equal(status(failed, 'app')?.state?.waiting?.reason, 'PodInitializing');
    const init = failed.status?.conditions?.find((c) => c.type === 'Initialized');
    assert.deepEqual([init?.status, init?.reason, init?.message], ['False', 'ContainersNotInitialized', 'containers with incomplete status: [init1 init2]']);
    const shown = await kubectl(server!, ['get', 'pod', 'init-fail', '--no-headers']);
    assert.match(shown.stdout, /^init-fail\s+0\/1\s+Init:Error\s/);
  });

  test('a container over its memory limit is OOMKilled with exit code 137', async () => {
    await apply(
      server!,
      pod('oom', node, {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'hog',
            image: 'busybox',
            resources: { limits: { memory: '32Mi' } },
            command: ['sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived'],
          },
        ],
      }),
    );
    const p = await waitPod(server!, 'oom', 'Failed', (x) => x.status?.phase === 'Failed');
    assert.equal(status(p, 'hog')?.state?.terminated?.reason, 'OOMKilled');
    assert.equal(status(p, 'hog')?.state?.terminated?.exitCode, 137);
  });

  test('a missing image is a waiting reason and a Warning event, and other pods are unaffected', async () => {
    await apply(server!, pod('noimage', node, { containers: [{ name: 'c', image: 'example.invalid/nothing:1', imagePullPolicy: 'Never' }] }));
    const p = await waitPod(server!, 'noimage', 'ErrImageNeverPull', (x) => status(x, 'c')?.state?.waiting?.reason === 'ErrImageNeverPull');
    assert.match(status(p, 'c')?.state?.waiting?.message ?? '', /example\.invalid\/nothing:1/);
    const ev = await eventually(
      'event',
      async () => {
        const r = await kubectl(server!, ['get', 'events', '--field-selector', 'involvedObject.name=noimage', '-o', 'json']);
        const items = (JSON.parse(r.stdout) as { items: { type: string; reason: string; source?: { component?: string; host?: string } }[] }).items;
        return items.find((e) => e.type === 'Warning' && e.reason === 'ErrImageNeverPull');
      },
      15_000,
    );
    assert.deepEqual(ev.source, { component: 'kubelet', host: node.nodeName });
    assert.ok(ready((await getPod(server!, 'web'))!), 'web still Ready');
  });
});

describe('agent restart (separate `peapod agent` process)', { skip, timeout: 120_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;
  let agent: AgentProcess | undefined;

  before(async () => {
    node = await newTestNode('adopt');
    server = await startServer({ dataDir: node.dir, args: ['--disable', 'agent'] });
    agent = await startAgentProcess(server, node);
  });

  after(async () => {
    if (server && agent) {
      await kubectl(server, ['delete', 'pods', '--all', '--grace-period=0', '--force', '--wait=false']);
      await eventually('every sandbox removed', async () => (await sandboxes(node)).length === 0, 30_000).catch(() => undefined);
      await agent.stop();
    }
    const bridgeLeft = bridgeExists(node.bridge);
    await server?.stop();
    await destroyTestNode(node);
    assert.equal(bridgeLeft, false, `the agent removes its idle bridge ${node.bridge} at shutdown`);
  });

  test('kill -9 the agent: containers keep running and the restarted agent adopts them', async () => {
    await apply(server!, webPod('web', node));
    const first = await waitPod(server!, 'web', 'Ready', ready);
    const ip = first.status!.podIP!;
    assert.match(await eventually('page', () => httpGet(`http://${ip}/`), 10_000), /^hello from web /);

    await agent!.kill9();
    // Nobody supervises the pod now, yet it serves, and the sidecar still refreshes the page.
    const during = await httpGet(`http://${ip}/`);
    await sleep(1500);
    assert.notEqual(await httpGet(`http://${ip}/`), during, 'the sidecar kept running');

    agent = await startAgentProcess(server!, node);
    await sleep(3000); // a few relists of the adopted pod
    const now = (await getPod(server!, 'web'))!;
    assert.equal(now.metadata?.uid, first.metadata?.uid);
    assert.ok(ready(now));
    for (const c of ['web', 'sidecar']) {
      assert.equal(status(now, c)?.containerID, status(first, c)?.containerID, `${c}: same container`);
      assert.equal(status(now, c)?.restartCount, 0, `${c}: not restarted`);
      assert.equal(status(now, c)?.state?.running?.startedAt, status(first, c)?.state?.running?.startedAt);
    }
    assert.match(await httpGet(`http://${ip}/`), /^hello from web /);
    assert.equal((await sandboxes(node)).length, 1, 'one sandbox, adopted, not recreated');
    // The restarted agent streams from the adopted containers: the log holds lines from before the kill.
    const logs = await kubectl(server!, ['logs', 'web', '-c', 'sidecar']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.ok(logs.stdout.includes(during.trim()), 'log written while the agent was down');
    const ex = await kubectl(server!, ['exec', 'web', '-c', 'web', '--', 'cat', '/www/index.html']);
    assert.equal(ex.code, 0, ex.stderr);
    assert.match(ex.stdout, /^hello from web /);
    assert.ok(existsSync(join(node.agentDir, 'rt', 'pods', first.metadata!.uid!)));
  });
});
