// The official @kubernetes/client-node (1.4) drives the server unchanged: CRUD, watches with
// bookmarks and resume, and an informer that survives compaction (410 Gone -> relist).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { api, eventually, sleep, API_ONLY, startServer, type TestServer } from './harness.ts';

let server: TestServer;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;

before(async () => {
  // Short watch lifetimes and a tiny watch cache + aggressive compaction make 410s reachable.
  server = await startServer({
    args: [...API_ONLY, '--min-request-timeout', '2', '--default-watch-cache-size', '20', '--storage-compact-window', '5', '--storage-compact-interval', '1'],
  });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
});
after(async () => {
  await server?.stop();
});

const cm = (name: string, data: Record<string, string> = { a: '1' }): k8s.V1ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

describe('@kubernetes/client-node', () => {
  it('creates, lists, patches and deletes', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: cm('one') });
    assert.equal(created.metadata?.name, 'one');
    assert.ok(created.metadata?.uid);
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    assert.ok(list.items.some((i) => i.metadata?.name === 'one'));
    assert.ok(list.metadata?.resourceVersion);
    const patched = await core.patchNamespacedConfigMap(
      { namespace: 'default', name: 'one', body: { data: { b: '2' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.deepEqual(patched.data, { a: '1', b: '2' });
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'one' });
    await assert.rejects(core.readNamespacedConfigMap({ namespace: 'default', name: 'one' }), (e: unknown) => (e as { code?: number }).code === 404);
  });

  it('pages lists with limit and continue', async () => {
    for (let i = 0; i < 7; i++) await core.createNamespacedConfigMap({ namespace: 'default', body: cm(`page-${i}`) });
    const first = await core.listNamespacedConfigMap({ namespace: 'default', limit: 3, labelSelector: undefined });
    assert.equal(first.items.length, 3);
    assert.ok(first.metadata?._continue);
    const names = first.items.map((i) => i.metadata?.name);
    let token: string | undefined = first.metadata?._continue;
    while (token) {
      const page = await core.listNamespacedConfigMap({ namespace: 'default', limit: 3, _continue: token });
      names.push(...page.items.map((i) => i.metadata?.name));
      token = page.metadata?._continue;
    }
    assert.deepEqual(
      names.filter((n) => n?.startsWith('page-')),
      ['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6'],
    );
  });

  it('watches with bookmarks and resumes from the last resourceVersion', async () => {
    const watch = new k8s.Watch(kc);
    const seen: { type: string; name?: string; rv?: string }[] = [];
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    let rv = list.metadata!.resourceVersion!;
    const ended: Promise<void>[] = [];
    const controllers: AbortController[] = [];
    const start = async (from: string) => {
      let done!: () => void;
      ended.push(new Promise<void>((r) => (done = r)));
      const c = await watch.watch(
        '/api/v1/namespaces/default/configmaps',
        { resourceVersion: from, allowWatchBookmarks: true },
        (type: string, obj: k8s.V1ConfigMap) => {
          seen.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion });
          if (obj.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
        },
        () => done(),
      );
      controllers.push(c);
    };
    await start(rv);
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('w1') });
    await eventually('ADDED w1', async () => seen.some((e) => e.type === 'ADDED' && e.name === 'w1'));
    // The server closes the watch (min-request-timeout 2 s); resume from the last seen RV.
    await ended[0];
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('w2') });
    const before = seen.length;
    await start(rv);
    await eventually('ADDED w2 after resume', async () => seen.slice(before).some((e) => e.type === 'ADDED' && e.name === 'w2'));
    assert.equal(seen.filter((e) => e.type === 'ADDED' && e.name === 'w1').length, 1, 'no replay of w1 after resume');
    await eventually('a bookmark', async () => seen.some((e) => e.type === 'BOOKMARK'), 30_000);
    for (const c of controllers) c.abort();
  });

  it('keeps an informer cache right across compaction (410 -> relist)', async () => {
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    const errors: unknown[] = [];
    let stopped = false;
    informer.on('error', (e) => {
      errors.push(e);
      if (!stopped) setTimeout(() => void informer.start(), 200);
    });
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: cm('keep-me') });
      await eventually('informer sees keep-me', async () => informer.list().some((o) => o.metadata?.name === 'keep-me'));
      // Push history far past the watch cache and the compaction window using another resource.
      for (let i = 0; i < 60; i++) {
        await api(server, 'POST', '/api/v1/namespaces/default/secrets', { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${i}` } } });
      }
      await sleep(1500);
      // Changes while the informer's position is compacted away.
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'keep-me' });
      await core.createNamespacedConfigMap({ namespace: 'default', body: cm('late') });
      await eventually(
        'informer relisted after 410',
        async () => {
          const names = informer.list().map((o) => o.metadata?.name);
          return names.includes('late') && !names.includes('keep-me');
        },
        30_000,
      );
    } finally {
      stopped = true;
      await informer.stop();
    }
  });
});
