// DaemonSet and CronJob against a real `peapod server` with the controller manager and the
// scheduler on and the agent off: Node objects are created through the API, the scheduler binds the
// daemon pods (pinned by node affinity) and the node player (bind: false) runs them. The CronJob
// schedule is exercised with a controller run in this process on a fake clock.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { createClient, createEventRecorder, createFakeClock, createInformerFactory, silentLogger } from '../../src/client/index.ts';
import { createCronJobController, SCHEDULED_TIMESTAMP_ANNOTATION } from '../../src/controllers/cronjob/cronjob-controller.ts';
import { api, eventually, kubectl, startServer, type TestServer, kubectlOk, getJson as getJsonFrom } from './harness.ts';
import { startNodePlayer, type NodePlayer } from './node-player.ts';

const NS = 'workloads-2-test';
let server: TestServer;
let player: NodePlayer;
const nodesCreated = new Set<string>();

const ok = (args: string[], input?: string): Promise<string> => kubectlOk(server, args, input);
const getJson = <T>(path: string): Promise<T> => getJsonFrom<T>(server, path);

async function createNode(name: string, taints: NonNullable<Node['spec']>['taints'] = []): Promise<void> {
  const t = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: { taints },
  };
  const r = await api(server, 'POST', '/api/v1/nodes', { body: node });
  assert.equal(r.status, 201, r.body);
  nodesCreated.add(name);
  const status = {
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready', lastHeartbeatTime: t, lastTransitionTime: t }],
    },
  };
  // The node lifecycle controller writes new nodes too; a lost race answers 409, so try again.
  await eventually(`status of node ${name}`, async () => {
    const s = await api(server, 'PATCH', `/api/v1/nodes/${name}/status`, { body: status, contentType: 'application/merge-patch+json' });
    if (s.status !== 409) assert.equal(s.status, 200, s.body);
    return s.status === 200;
  });
}

const ready = (p: Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const podsOf = async (selector: string): Promise<Pod[]> =>
  (await getJson<{ items: Pod[] }>(`/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector)}`)).items.filter(
    (p) => !p.metadata?.deletionTimestamp,
  );

before(async () => {
  // A long grace period: these Node objects have no agent renewing leases.
  server = await startServer({ args: ['--disable', 'agent', '--node-monitor-grace-period', '1h'] });
  await ok(['create', 'namespace', NS]);
  player = await startNodePlayer({ server, namespace: NS, bind: false });
});

after(async () => {
  await player?.stop();
  await kubectl(server, ['delete', 'namespace', NS, '--wait=false']);
  for (const n of nodesCreated) await api(server, 'DELETE', `/api/v1/nodes/${n}`);
  await server?.stop();
});

describe('DaemonSet', () => {
  it('runs one pod per eligible node, follows nodes joining and leaving, and rolls a new image', async () => {
    for (const n of ['ds-n1', 'ds-n2', 'ds-n3']) await createNode(n);
    await createNode('ds-tainted', [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    await ok(
      ['apply', '-f', '-'],
      `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ${NS}}
spec:
  selector: {matchLabels: {app: agent}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: c, image: agent:v1}]
`,
    );
    const onNodes = async (expected: string[], image: string): Promise<Pod[] | undefined> => {
      const pods = await podsOf('app=agent');
      const nodes = pods.map((p) => p.spec?.nodeName ?? '').sort();
      if (JSON.stringify(nodes) !== JSON.stringify(expected)) return undefined;
      if (!pods.every((p) => ready(p) && p.spec?.containers[0]?.image === image)) return undefined;
      return pods;
    };
    const first = await eventually('a ready pod on each untainted node', () => onNodes(['ds-n1', 'ds-n2', 'ds-n3'], 'agent:v1'));
    for (const p of first) {
      assert.equal(p.metadata?.ownerReferences?.[0]?.kind, 'DaemonSet');
      assert.ok(p.metadata?.labels?.['controller-revision-hash']);
      assert.ok((p.spec?.tolerations ?? []).some((t) => t.key === 'node.kubernetes.io/unschedulable'));
    }
    const status = await eventually('status counts', async () => {
      const ds = await getJson<DaemonSet>(`/apis/apps/v1/namespaces/${NS}/daemonsets/agent`);
      return ds.status?.numberReady === 3 && ds.status.numberAvailable === 3 ? ds.status : undefined;
    });
    assert.equal(status.desiredNumberScheduled, 3);
    assert.equal(status.currentNumberScheduled, 3);
    assert.equal(status.updatedNumberScheduled, 3);
    assert.equal(status.numberMisscheduled, 0);
    const table = await ok(['get', 'ds', 'agent', '-n', NS]);
    assert.match(table, /agent\s+3\s+3\s+3\s+3\s+3\s+<none>/);

    await createNode('ds-n4');
    await eventually('a pod on the new node', () => onNodes(['ds-n1', 'ds-n2', 'ds-n3', 'ds-n4'], 'agent:v1'));
    await api(server, 'DELETE', '/api/v1/nodes/ds-n4');
    nodesCreated.delete('ds-n4');
    await eventually('the pod of the deleted node goes', () => onNodes(['ds-n1', 'ds-n2', 'ds-n3'], 'agent:v1'));

    await ok(['set', 'image', 'daemonset/agent', 'c=agent:v2', '-n', NS]);
    const rolled = await eventually('every pod replaced by one with the new image', () => onNodes(['ds-n1', 'ds-n2', 'ds-n3'], 'agent:v2'));
    const names = new Set(first.map((p) => p.metadata?.name));
    assert.ok(rolled.every((p) => !names.has(p.metadata?.name)));
    await eventually('rollout status reports done', async () => {
      const r = await kubectl(server, ['rollout', 'status', 'daemonset/agent', '-n', NS, '--timeout=5s']);
      return r.code === 0 && /successfully rolled out/.test(r.stdout);
    });
    const revs = await ok(['get', 'controllerrevisions', '-n', NS, '-o', 'name']);
    assert.equal(
      revs
        .trim()
        .split('\n')
        .filter((l) => l.includes('agent-')).length,
      2,
    );
  });
});

describe('CronJob', () => {
  it('kubectl create job --from=cronjob makes a Job from the template, owned by the CronJob', async () => {
    await ok(['create', 'cronjob', 'nightly', '--image=busybox', '--schedule=0 0 1 1 *', '-n', NS, '--', 'echo', 'hi']);
    await ok(['create', 'job', 'manual', '--from=cronjob/nightly', '-n', NS]);
    const job = await getJson<Job>(`/apis/batch/v1/namespaces/${NS}/jobs/manual`);
    const cj = await getJson<CronJob>(`/apis/batch/v1/namespaces/${NS}/cronjobs/nightly`);
    assert.equal(job.spec?.template.spec?.containers[0]?.image, 'busybox');
    assert.deepEqual(job.spec?.template.spec?.containers[0]?.command, ['echo', 'hi']);
    const ref = job.metadata?.ownerReferences?.[0];
    assert.equal(ref?.kind, 'CronJob');
    assert.equal(ref?.uid, cj.metadata?.uid);
    assert.equal(job.metadata?.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
  });

  it('starts the scheduled Job when the clock reaches the schedule (controller on a fake clock)', async () => {
    await ok(['create', 'cronjob', 'yearly', '--image=busybox', '--schedule=0 0 1 1 *', '-n', NS]);
    const nextYear = new Date().getUTCFullYear() + 1;
    const scheduled = Date.UTC(nextYear, 0, 1);
    const clock = createFakeClock(scheduled + 30_000);
    const client = createClient({ server: server.url, token: server.token, ca: server.ca, userAgent: 'cronjob-test' });
    const abort = new AbortController();
    const informers = createInformerFactory(client, { clock, logger: silentLogger });
    const recorder = createEventRecorder(client, { component: 'cronjob-controller', clock, logger: silentLogger });
    const controller = createCronJobController({ client, informers, clock, logger: silentLogger, recorder, workers: 1 });
    informers.start(abort.signal);
    await informers.waitForSync(abort.signal);
    const done = controller.run(abort.signal);
    try {
      const name = `yearly-${scheduled / 60_000}`;
      const job = await eventually('the scheduled Job', async () => {
        const r = await api(server, 'GET', `/apis/batch/v1/namespaces/${NS}/jobs/${name}`);
        return r.status === 200 ? r.json<Job>() : undefined;
      });
      assert.equal(job.metadata?.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], `${nextYear}-01-01T00:00:00Z`);
      assert.equal(job.metadata?.ownerReferences?.[0]?.name, 'yearly');
      const cj = await eventually('status records it', async () => {
        const c = await getJson<CronJob>(`/apis/batch/v1/namespaces/${NS}/cronjobs/yearly`);
        return c.status?.lastScheduleTime ? c : undefined;
      });
      assert.equal(cj.status?.lastScheduleTime, `${nextYear}-01-01T00:00:00Z`);
      // The node player makes the Job's pod succeed: the Job leaves status.active once Complete.
      const finished = await eventually('the Job completes and leaves the active list', async () => {
        const c = await getJson<CronJob>(`/apis/batch/v1/namespaces/${NS}/cronjobs/yearly`);
        return c.status?.lastSuccessfulTime && !(c.status.active ?? []).some((r) => r.name === name) ? c : undefined;
      });
      assert.ok(finished.status?.lastSuccessfulTime);
      const table = await ok(['get', 'cronjob', 'yearly', '-n', NS]);
      assert.match(table, /yearly\s+0 0 1 1 \*\s+<none>\s+false\s+0/);
    } finally {
      abort.abort();
      await done;
      await recorder.flush();
      client.close();
    }
  });
});
