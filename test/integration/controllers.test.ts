// Controllers against a real `peapod server` (scheduler and agent disabled): a "node player"
// (node-player.ts) binds pods and marks them Running/Ready, and finishes graceful deletions, so
// ReplicaSets and Deployments behave as on a cluster. Everything is driven with the real kubectl.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createInformer, resources, silentLogger } from '../../src/client/index.ts';
import { api, eventually, kubectl, startServer, type TestServer } from './harness.ts';
import { NEVER_READY_LABEL, startNodePlayer, type NodePlayer } from './node-player.ts';

let server: TestServer;
let player: NodePlayer;

const NS = 'ctl-test';

interface List<T> {
  items: T[];
}

async function getJson<T>(path: string): Promise<T | undefined> {
  const r = await api(server, 'GET', path);
  if (r.status === 404) return undefined;
  assert.equal(r.status, 200, r.body);
  return r.json<T>();
}

const podsPath = (ns: string, selector = ''): string => `/api/v1/namespaces/${ns}/pods${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`;
const deployPath = (ns: string, name: string): string => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
const rsListPath = (ns: string, selector: string): string => `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=${encodeURIComponent(selector)}`;

const isReady = (p: Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const live = (p: Pod): boolean => !p.metadata?.deletionTimestamp;

async function readyPods(ns: string, selector: string): Promise<Pod[]> {
  const list = await getJson<List<Pod>>(podsPath(ns, selector));
  return (list?.items ?? []).filter((p) => live(p) && isReady(p));
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(server, args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function deploymentYaml(name: string, opts: { replicas: number; image: string; maxSurge?: number; maxUnavailable?: number }): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  replicas: ${opts.replicas}
  selector:
    matchLabels: {app: ${name}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: ${opts.maxSurge ?? 1}, maxUnavailable: ${opts.maxUnavailable ?? 1}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: ${opts.image}
`;
}

async function rolledOut(name: string, replicas: number): Promise<void> {
  await ok(['rollout', 'status', `deployment/${name}`, '-n', NS, '--timeout=60s']);
  await eventually(`${replicas} ready pods of ${name}`, async () => (await readyPods(NS, `app=${name}`)).length === replicas);
}

/**
 * Watches the pods matching `selector` and calls `check` with the current cache after every event
 * once the initial list is in (the initial list is replayed as adds one by one: not a real state).
 * Returns the function that stops the watch.
 */
async function watchPods(selector: string, check: (pods: Pod[]) => void): Promise<() => void> {
  const abort = new AbortController();
  const watcher = createInformer<Pod>(player.client, resources.pods, { namespace: NS, labelSelector: selector, logger: silentLogger });
  let armed = false;
  const run = (): void => {
    if (armed) check(watcher.store.list());
  };
  watcher.on('add', run);
  watcher.on('update', run);
  watcher.on('delete', run);
  void watcher.start(abort.signal);
  await watcher.waitForSync(abort.signal);
  armed = true;
  return () => abort.abort();
}

before(async () => {
  server = await startServer({ args: ['--disable', 'agent,scheduler'] });
  player = await startNodePlayer({ server, readyDelayMs: 150 });
  await ok(['create', 'namespace', NS]);
});

after(async () => {
  if (player) player.holdDeletions = false;
  if (server) {
    await kubectl(server, ['delete', 'namespace', NS, '--wait=false']);
    await eventually('test namespace gone', async () => (await getJson(`/api/v1/namespaces/${NS}`)) === undefined, 30_000).catch(() => undefined);
  }
  await player?.stop();
  await server?.stop();
});

describe('Deployment', { timeout: 180_000 }, () => {
  it('brings up 5 replicas, rolls out within maxSurge/maxUnavailable, rolls back, heals and scales', async () => {
    await ok(['apply', '-f', '-'], deploymentYaml('web', { replicas: 5, image: 'busybox:1.36' }));
    await rolledOut('web', 5);
    const table = await ok(['get', 'deployment', 'web', '-n', NS]);
    assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    assert.match(table, /web\s+5\/5\s+5\s+5\s+/);
    const [first] = (await getJson<List<ReplicaSet>>(rsListPath(NS, 'app=web')))!.items;
    assert.ok(first);
    const hash = first.metadata?.labels?.['pod-template-hash'];
    assert.equal(first.metadata?.name, `web-${hash}`);
    assert.equal(first.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');

    // Watch every pod event during the rollout: never more than replicas + maxSurge pods, never
    // fewer than replicas - maxUnavailable available.
    const violations: string[] = [];
    let events = 0;
    const stop = await watchPods('app=web', (all) => {
      events++;
      const pods = all.filter(live);
      const available = pods.filter(isReady).length;
      if (pods.length > 6) violations.push(`${pods.length} pods (max 6)`);
      if (available < 4) violations.push(`${available} available (min 4)`);
    });
    try {
      await ok(['set', 'image', 'deployment/web', '-n', NS, 'web=busybox:1.37']);
      await rolledOut('web', 5);
      await eventually('old pods gone', async () => {
        const list = await getJson<List<Pod>>(podsPath(NS, 'app=web'));
        return list?.items.length === 5 && list.items.every((p) => p.spec?.containers[0]?.image === 'busybox:1.37');
      });
    } finally {
      stop();
    }
    assert.ok(events > 10, `saw ${events} pod events`);
    assert.deepEqual(violations, []);

    const history = await ok(['rollout', 'history', 'deployment/web', '-n', NS]);
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);

    await ok(['rollout', 'undo', 'deployment/web', '-n', NS]);
    await rolledOut('web', 5);
    const back = (await getJson<Deployment>(deployPath(NS, 'web')))!;
    assert.equal(back.spec?.template.spec?.containers[0]?.image, 'busybox:1.36');
    // The first ReplicaSet is reused and becomes revision 3.
    const reused = (await getJson<ReplicaSet>(`/apis/apps/v1/namespaces/${NS}/replicasets/web-${hash}`))!;
    assert.equal(reused.spec?.replicas, 5);
    assert.equal(reused.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.match(await ok(['rollout', 'history', 'deployment/web', '-n', NS]), /\n2\s+<none>\n3\s+<none>/);

    // Self-healing: a deleted pod is replaced by a new one.
    const before = (await readyPods(NS, 'app=web')).map((p) => p.metadata?.uid);
    const victim = (await readyPods(NS, 'app=web'))[0]!;
    await ok(['delete', 'pod', victim.metadata!.name!, '-n', NS]);
    await eventually('replacement pod', async () => {
      const now = await readyPods(NS, 'app=web');
      return now.length === 5 && !now.some((p) => p.metadata?.uid === victim.metadata?.uid) && now.some((p) => !before.includes(p.metadata?.uid));
    });

    // kubectl scale goes through the scale subresource.
    assert.match(await ok(['scale', 'deployment/web', '-n', NS, '--replicas=7']), /deployment.apps\/web scaled/);
    await eventually('7 ready', async () => (await readyPods(NS, 'app=web')).length === 7);
    await ok(['scale', 'deployment/web', '-n', NS, '--replicas=2']);
    await eventually('2 pods', async () => (await getJson<List<Pod>>(podsPath(NS, 'app=web')))?.items.length === 2);
    const scale = (await getJson<{ kind: string; spec: { replicas: number }; status: { selector: string } }>(`${deployPath(NS, 'web')}/scale`))!;
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 2);
    assert.equal(scale.status.selector, 'app=web');
    await ok(['delete', 'deployment', 'web', '-n', NS]);
  });

  it('pause holds a new template back until resume; restart rolls out a new ReplicaSet', async () => {
    await ok(['apply', '-f', '-'], deploymentYaml('paused', { replicas: 2, image: 'busybox:1.36' }));
    await rolledOut('paused', 2);
    await ok(['rollout', 'pause', 'deployment/paused', '-n', NS]);
    await ok(['set', 'image', 'deployment/paused', '-n', NS, 'web=busybox:1.37']);
    await eventually('paused condition', async () => {
      const d = await getJson<Deployment>(deployPath(NS, 'paused'));
      return d?.status?.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'DeploymentPaused');
    });
    assert.equal((await getJson<List<ReplicaSet>>(rsListPath(NS, 'app=paused')))!.items.length, 1, 'no new ReplicaSet while paused');
    await ok(['rollout', 'resume', 'deployment/paused', '-n', NS]);
    await rolledOut('paused', 2);
    assert.equal((await getJson<List<ReplicaSet>>(rsListPath(NS, 'app=paused')))!.items.length, 2);
    await ok(['rollout', 'restart', 'deployment/paused', '-n', NS]);
    await rolledOut('paused', 2);
    assert.equal((await getJson<List<ReplicaSet>>(rsListPath(NS, 'app=paused')))!.items.length, 3);
    const d = (await getJson<Deployment>(deployPath(NS, 'paused')))!;
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.ok(d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True' && c.reason === 'MinimumReplicasAvailable'));
    assert.ok(d.status?.conditions?.some((c) => c.type === 'Progressing' && c.status === 'True' && c.reason === 'NewReplicaSetAvailable'));
    await ok(['delete', 'deployment', 'paused', '-n', NS]);
  });

  it('Recreate never runs old and new pods together', async () => {
    const yaml = deploymentYaml('rec', { replicas: 3, image: 'busybox:1.36' }).replace(
      /strategy:\n {4}type: RollingUpdate\n {4}rollingUpdate: \{[^}]*\}/,
      'strategy:\n    type: Recreate',
    );
    assert.match(yaml, /type: Recreate/);
    await ok(['apply', '-f', '-'], yaml);
    await rolledOut('rec', 3);
    const mixed: string[] = [];
    const stop = await watchPods('app=rec', (pods) => {
      const images = new Set(pods.map((p) => p.spec?.containers[0]?.image));
      if (images.size > 1) mixed.push([...images].join(' + '));
    });
    try {
      await ok(['set', 'image', 'deployment/rec', '-n', NS, 'web=busybox:1.37']);
      await rolledOut('rec', 3);
    } finally {
      stop();
    }
    assert.deepEqual(mixed, []);
    await ok(['delete', 'deployment', 'rec', '-n', NS]);
  });

  it('refuses a selector that does not match the template labels, with upstream wording', async () => {
    const bad = deploymentYaml('bad', { replicas: 1, image: 'busybox' }).replace('labels: {app: bad}', 'labels: {app: other}');
    const r = await kubectl(server, ['apply', '-f', '-'], { input: bad });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec.template.metadata.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`/);
  });
});

describe('deletion propagation', { timeout: 120_000 }, () => {
  async function createAndWait(name: string): Promise<ReplicaSet> {
    await ok(['apply', '-f', '-'], deploymentYaml(name, { replicas: 2, image: 'busybox' }));
    await rolledOut(name, 2);
    return (await getJson<List<ReplicaSet>>(rsListPath(NS, `app=${name}`)))!.items[0]!;
  }

  it('background: the Deployment goes at once, then its ReplicaSet and pods', async () => {
    const rs = await createAndWait('bg');
    player.holdDeletions = true;
    try {
      await ok(['delete', 'deployment', 'bg', '-n', NS, '--cascade=background', '--wait=false']);
      assert.equal(await getJson(deployPath(NS, 'bg')), undefined);
      await eventually('ReplicaSet collected', async () => (await getJson(`/apis/apps/v1/namespaces/${NS}/replicasets/${rs.metadata!.name}`)) === undefined);
      await eventually('pods terminating', async () => (await getJson<List<Pod>>(podsPath(NS, 'app=bg')))!.items.every((p) => !live(p)));
    } finally {
      player.holdDeletions = false;
    }
    await eventually('pods gone', async () => (await getJson<List<Pod>>(podsPath(NS, 'app=bg')))!.items.length === 0);
  });

  it('foreground: the Deployment waits (foregroundDeletion) until its dependents are gone', async () => {
    await createAndWait('fg');
    player.holdDeletions = true;
    try {
      await ok(['delete', 'deployment', 'fg', '-n', NS, '--cascade=foreground', '--wait=false']);
      const d = (await getJson<Deployment>(deployPath(NS, 'fg')))!;
      assert.ok(d.metadata?.deletionTimestamp);
      assert.deepEqual(d.metadata?.finalizers, ['foregroundDeletion']);
      await eventually('pods terminating', async () => (await getJson<List<Pod>>(podsPath(NS, 'app=fg')))!.items.every((p) => !live(p)));
      // Pods are held in Terminating, so the ReplicaSet and the Deployment must still be there.
      const rss = (await getJson<List<ReplicaSet>>(rsListPath(NS, 'app=fg')))!.items;
      assert.equal(rss.length, 1);
      assert.ok(rss[0]!.metadata?.deletionTimestamp);
      assert.ok(await getJson(deployPath(NS, 'fg')));
    } finally {
      player.holdDeletions = false;
    }
    await eventually('Deployment gone after its dependents', async () => (await getJson(deployPath(NS, 'fg'))) === undefined);
    assert.equal((await getJson<List<ReplicaSet>>(rsListPath(NS, 'app=fg')))!.items.length, 0);
    assert.equal((await getJson<List<Pod>>(podsPath(NS, 'app=fg')))!.items.length, 0);
  });

  it('orphan: the Deployment goes, its ReplicaSet stays without an owner and keeps its pods', async () => {
    const rs = await createAndWait('orph');
    await ok(['delete', 'deployment', 'orph', '-n', NS, '--cascade=orphan']);
    await eventually('Deployment gone', async () => (await getJson(deployPath(NS, 'orph'))) === undefined);
    const kept = (await getJson<ReplicaSet>(`/apis/apps/v1/namespaces/${NS}/replicasets/${rs.metadata!.name}`))!;
    assert.equal(kept.metadata?.uid, rs.metadata?.uid);
    assert.equal(kept.metadata?.ownerReferences, undefined);
    assert.equal((await readyPods(NS, 'app=orph')).length, 2);
    await ok(['delete', 'replicaset', rs.metadata!.name!, '-n', NS]);
    await eventually('pods of the orphan ReplicaSet collected', async () => (await getJson<List<Pod>>(podsPath(NS, 'app=orph')))!.items.length === 0);
  });
});

describe('progress deadline', { timeout: 60_000 }, () => {
  it('a rollout that cannot progress reports ProgressDeadlineExceeded and rollout status fails', async () => {
    const yaml = deploymentYaml('stuck', { replicas: 2, image: 'busybox' })
      .replace('  replicas: 2\n', '  replicas: 2\n  progressDeadlineSeconds: 2\n')
      .replace('    metadata:\n      labels: {app: stuck}', `    metadata:\n      labels: {app: stuck, ${NEVER_READY_LABEL}: "false"}`);
    await ok(['apply', '-f', '-'], yaml);
    await eventually(
      'ProgressDeadlineExceeded',
      async () => {
        const d = await getJson<Deployment>(deployPath(NS, 'stuck'));
        return d?.status?.conditions?.some((c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded');
      },
      20_000,
    );
    const d = (await getJson<Deployment>(deployPath(NS, 'stuck')))!;
    assert.ok(d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'False' && c.reason === 'MinimumReplicasUnavailable'));
    const status = await kubectl(server, ['rollout', 'status', 'deployment/stuck', '-n', NS, '--timeout=10s']);
    assert.notEqual(status.code, 0);
    assert.match(status.stderr, /deployment "stuck" exceeded its progress deadline/);
    await ok(['delete', 'deployment', 'stuck', '-n', NS]);
  });
});

describe('garbage collector', { timeout: 60_000 }, () => {
  it('deletes objects whose owners are all gone and strips dangling references otherwise', async () => {
    const owner = (await api(server, 'POST', `/api/v1/namespaces/${NS}/configmaps`, { body: { metadata: { name: 'owner' } } })).json<{
      metadata: { uid: string };
    }>();
    const ref = (name: string, uid: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid });
    const ghost = ref('ghost', '00000000-0000-0000-0000-000000000001');
    let r = await api(server, 'POST', `/api/v1/namespaces/${NS}/configmaps`, { body: { metadata: { name: 'orphaned', ownerReferences: [ghost] } } });
    assert.equal(r.status, 201, r.body);
    r = await api(server, 'POST', `/api/v1/namespaces/${NS}/configmaps`, {
      body: { metadata: { name: 'shared', ownerReferences: [ghost, ref('owner', owner.metadata.uid)] } },
    });
    assert.equal(r.status, 201, r.body);
    await eventually('orphaned dependent deleted', async () => (await getJson(`/api/v1/namespaces/${NS}/configmaps/orphaned`)) === undefined);
    await eventually('dangling reference removed', async () => {
      const cm = await getJson<{ metadata: { ownerReferences?: { name: string }[] } }>(`/api/v1/namespaces/${NS}/configmaps/shared`);
      return cm?.metadata.ownerReferences?.length === 1 && cm.metadata.ownerReferences[0]?.name === 'owner';
    });
    await ok(['delete', 'configmap', 'owner', '-n', NS]);
    await eventually('dependent of a deleted owner collected', async () => (await getJson(`/api/v1/namespaces/${NS}/configmaps/shared`)) === undefined);
  });

  it('leaves Events alone, as upstream ignores them (they expire by --event-ttl)', async () => {
    const ghost = { apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '00000000-0000-0000-0000-000000000002' };
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const core = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'owned-core-event', ownerReferences: [ghost] },
      involvedObject: { kind: 'ConfigMap', namespace: NS, name: 'ghost', apiVersion: 'v1' },
      reason: 'Test',
      message: 'owned by a ghost',
      type: 'Normal',
      source: { component: 'test' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    let r = await api(server, 'POST', `/api/v1/namespaces/${NS}/events`, { body: core });
    assert.equal(r.status, 201, r.body);
    // A ConfigMap with the same dead owner, created after the Events, shows the collector has acted.
    r = await api(server, 'POST', `/api/v1/namespaces/${NS}/configmaps`, { body: { metadata: { name: 'ghost-owned', ownerReferences: [ghost] } } });
    assert.equal(r.status, 201, r.body);
    await eventually('configmap of a dead owner collected', async () => (await getJson(`/api/v1/namespaces/${NS}/configmaps/ghost-owned`)) === undefined);
    assert.ok(await getJson(`/api/v1/namespaces/${NS}/events/owned-core-event`), 'Event kept');
  });
});

describe('namespace lifecycle', { timeout: 60_000 }, () => {
  it('Terminating refuses new content, deletes everything, then the namespace', async () => {
    const ns = 'ctl-doomed';
    await ok(['create', 'namespace', ns]);
    await ok(['create', 'deployment', 'app', '-n', ns, '--image=busybox', '--replicas=2']);
    await ok(['create', 'configmap', 'cfg', '-n', ns, '--from-literal=a=b']);
    await eventually('pods ready', async () => (await readyPods(ns, 'app=app')).length === 2);
    player.holdDeletions = true;
    try {
      await ok(['delete', 'namespace', ns, '--wait=false']);
      const phase = await ok(['get', 'namespace', ns, '-o', 'jsonpath={.status.phase}']);
      assert.equal(phase, 'Terminating');
      const refused = await kubectl(server, ['create', 'configmap', 'late', '-n', ns]);
      assert.notEqual(refused.code, 0);
      assert.match(
        refused.stderr,
        new RegExp(`configmaps "late" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`),
      );
      await eventually('content deleted', async () => (await getJson(`/api/v1/namespaces/${ns}/configmaps/cfg`)) === undefined);
      assert.ok(await getJson(`/api/v1/namespaces/${ns}`), 'namespace kept while pods terminate');
    } finally {
      player.holdDeletions = false;
    }
    await eventually('namespace gone', async () => (await getJson(`/api/v1/namespaces/${ns}`)) === undefined);
  });
});
