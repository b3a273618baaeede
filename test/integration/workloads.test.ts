// Workload controllers (StatefulSet, Job) against a real `peapod server` with the controller
// manager on and the agent and scheduler off: the node player (node-player.ts) binds pods, marks
// them Running/Ready and makes pods of Jobs exit (code from an annotation). Driven with kubectl.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createInformer, resources, silentLogger } from '../../src/client/index.ts';
import { eventually, kubectl, startServer, type TestServer, kubectlOk, getJson as getJsonFrom } from './harness.ts';
import { EXIT_CODE_ANNOTATION, startNodePlayer, type NodePlayer } from './node-player.ts';

const NS = 'workloads-test';
let server: TestServer;
let player: NodePlayer;

const ok = (args: string[], input?: string): Promise<string> => kubectlOk(server, args, input);
const getJson = <T>(path: string): Promise<T> => getJsonFrom<T>(server, path);

const ready = (p: Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const podsOf = async (selector: string): Promise<Pod[]> =>
  (await getJson<{ items: Pod[] }>(`/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector)}`)).items;

function stsYaml(name: string, replicas: number, image: string, partition = 0): string {
  return `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}, namespace: ${NS}}
spec:
  serviceName: ${name}
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: ${partition}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: c, image: ${image}}]
`;
}

function jobYaml(name: string, spec: string, exitCode = 0): string {
  return `apiVersion: batch/v1
kind: Job
metadata: {name: ${name}, namespace: ${NS}}
spec:
${spec}
  template:
    metadata: {annotations: {${EXIT_CODE_ANNOTATION}: "${exitCode}"}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
`;
}

const stsPath = (name: string): string => `/apis/apps/v1/namespaces/${NS}/statefulsets/${name}`;
const jobPath = (name: string): string => `/apis/batch/v1/namespaces/${NS}/jobs/${name}`;

before(async () => {
  server = await startServer({ args: ['--disable', 'agent,scheduler'] });
  await ok(['create', 'namespace', NS]);
  player = await startNodePlayer({ server, namespace: NS, readyDelayMs: 200 });
});

after(async () => {
  await player?.stop();
  await kubectl(server, ['delete', 'namespace', NS, '--wait=false']);
  await server?.stop();
});

describe('StatefulSet', () => {
  it('comes up in order, keeps identities, scales down from the top and rolls with a partition', async () => {
    const created: string[] = [];
    const abort = new AbortController();
    const inf = createInformer<Pod>(player.client, resources.pods, { namespace: NS, labelSelector: 'app=web', logger: silentLogger });
    inf.on('add', (p) => created.push(p.metadata?.name ?? ''));
    void inf.start(abort.signal);
    await inf.waitForSync(abort.signal);
    try {
      await ok(['apply', '-f', '-'], stsYaml('web', 3, 'nginx:1'));
      await ok(['rollout', 'status', 'statefulset/web', '-n', NS, '--timeout=60s']);
      assert.deepEqual(created, ['web-0', 'web-1', 'web-2']);
      const pods = await podsOf('app=web');
      const web1 = pods.find((p) => p.metadata?.name === 'web-1')!;
      assert.equal(web1.spec?.hostname, 'web-1');
      assert.equal(web1.spec?.subdomain, 'web');
      const sts = await getJson<StatefulSet>(stsPath('web'));
      assert.equal(sts.status?.readyReplicas, 3);
      assert.equal(web1.metadata?.labels?.['controller-revision-hash'], sts.status?.updateRevision?.replace('web-', ''));
      const table = await ok(['get', 'sts', 'web', '-n', NS]);
      assert.match(table, /web\s+3\/3/);

      // A lost pod comes back with the same name and a new uid.
      // --wait=false: kubectl's wait would race with the controller recreating the same name (the
      // old pod can be gone and web-1 back between kubectl's GET and its list+watch).
      await ok(['delete', 'pod', 'web-1', '-n', NS, '--wait=false']);
      await eventually('web-1 back with a new uid', async () => {
        const p = (await podsOf('app=web')).find((x) => x.metadata?.name === 'web-1');
        return p && p.metadata?.uid !== web1.metadata?.uid && ready(p);
      });

      // Scale down removes the highest ordinal.
      await ok(['scale', 'sts/web', '-n', NS, '--replicas=2']);
      await eventually('web-2 gone', async () => {
        const names = (await podsOf('app=web')).map((p) => p.metadata?.name).sort();
        return JSON.stringify(names) === JSON.stringify(['web-0', 'web-1']);
      });

      // Rolling update with partition 1: only web-1 moves to the new image.
      await ok(['apply', '-f', '-'], stsYaml('web', 2, 'nginx:2', 1));
      await eventually('web-1 updated, web-0 not', async () => {
        const ps = await podsOf('app=web');
        const img = (n: string) => ps.find((p) => p.metadata?.name === n && !p.metadata?.deletionTimestamp && ready(p))?.spec?.containers[0]?.image;
        return img('web-1') === 'nginx:2' && img('web-0') === 'nginx:1';
      });
      const after1 = await getJson<StatefulSet>(stsPath('web'));
      assert.equal(after1.status?.updatedReplicas, 1);
      assert.notEqual(after1.status?.currentRevision, after1.status?.updateRevision);
      const revs = await ok(['get', 'controllerrevisions', '-n', NS, '-o', 'name']);
      assert.equal(revs.trim().split('\n').length, 2);
    } finally {
      abort.abort();
      await ok(['delete', 'sts', 'web', '-n', NS]);
    }
  });
});

describe('Job', () => {
  it('completions 3 parallelism 2 completes', async () => {
    await ok(['apply', '-f', '-'], jobYaml('done', '  completions: 3\n  parallelism: 2'));
    await ok(['wait', '--for=condition=Complete', 'job/done', '-n', NS, '--timeout=60s']);
    const job = await getJson<Job>(jobPath('done'));
    assert.equal(job.status?.succeeded, 3);
    assert.ok(job.status?.completionTime);
    const pods = await podsOf('batch.kubernetes.io/job-name=done');
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.metadata?.labels?.['batch.kubernetes.io/controller-uid'] === job.metadata?.uid));
    assert.match(await ok(['get', 'job', 'done', '-n', NS]), /done\s+Complete\s+3\/3/);
    await ok(['delete', 'job', 'done', '-n', NS]);
  });

  it('a failing Job stops at backoffLimit', async () => {
    await ok(['apply', '-f', '-'], jobYaml('fails', '  backoffLimit: 0', 3));
    await ok(['wait', '--for=condition=Failed', 'job/fails', '-n', NS, '--timeout=60s']);
    const job = await getJson<Job>(jobPath('fails'));
    const failed = job.status?.conditions?.find((c) => c.type === 'Failed');
    assert.equal(failed?.reason, 'BackoffLimitExceeded');
    assert.equal(job.status?.failed, 1);
    await ok(['delete', 'job', 'fails', '-n', NS]);
  });

  it('an Indexed Job runs each index once', async () => {
    await ok(['apply', '-f', '-'], jobYaml('idx', '  completions: 3\n  parallelism: 3\n  completionMode: Indexed'));
    await ok(['wait', '--for=condition=Complete', 'job/idx', '-n', NS, '--timeout=60s']);
    const job = await getJson<Job>(jobPath('idx'));
    assert.equal(job.status?.completedIndexes, '0-2');
    const pods = await podsOf('batch.kubernetes.io/job-name=idx');
    const idx = pods.map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
    assert.deepEqual(idx, ['0', '1', '2']);
    const p0 = pods.find((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '0')!;
    assert.equal(p0.spec?.hostname, 'idx-0');
    assert.deepEqual(p0.spec?.containers[0]?.env, [{ name: 'JOB_COMPLETION_INDEX', value: '0' }]);
    await ok(['delete', 'job', 'idx', '-n', NS]);
  });
});
