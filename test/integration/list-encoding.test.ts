// LIST and GET answer from objects decoded and encoded once and shared by every reader. What a
// client sees must not change: every item is exactly what the write that made it returned (the
// write path decodes and encodes afresh), under selectors, pages, old resourceVersions, Tables,
// watches, and for kinds served in two versions from one storage.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { api, API_ONLY, kubectlOk, startServer, type RawResponse, type TestServer } from './harness.ts';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; resourceVersion: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}
interface List {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: Obj[];
}

let server: TestServer;
/** Pods as their create (or last patch) answered, by namespace/name. */
const written = new Map<string, Obj>();
/** p-001 as created, before its patch, and the list revision between the two. */
let beforePatch: { pod: Obj; listRv: string };
const PODS = 300; // more than one streamed slice of a list (250)

function ok(r: RawResponse, code = 200): RawResponse {
  assert.equal(r.status, code, r.body);
  return r;
}
const list = async (path: string) => ok(await api(server, 'GET', path)).json<List>();
const pod = (name: string, tier: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { tier } },
  spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m' } } }] },
});

before(async () => {
  server = await startServer({ args: API_ONLY });
  for (const ns of ['enc-a', 'enc-b'])
    ok(await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } }), 201);
  const make = async (ns: string, i: number) => {
    const name = `p-${String(i).padStart(3, '0')}`;
    const r = ok(await api(server, 'POST', `/api/v1/namespaces/${ns}/pods`, { body: pod(name, i % 2 ? 'odd' : 'even') }), 201);
    written.set(`${ns}/${name}`, r.json<Obj>());
  };
  for (let i = 0; i < PODS; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => make('enc-a', i + j)));
  for (let i = 0; i < 5; i++) await make('enc-b', i);
  const listRv = (await list('/api/v1/namespaces/enc-a/pods?limit=1')).metadata.resourceVersion;
  beforePatch = { pod: written.get('enc-a/p-001')!, listRv };
  const patched = await api(server, 'PATCH', '/api/v1/namespaces/enc-a/pods/p-001', {
    body: { metadata: { labels: { patched: 'yes' } } },
    contentType: 'application/merge-patch+json',
  });
  written.set('enc-a/p-001', ok(patched).json<Obj>());
});
after(async () => {
  await server?.stop();
});

const expected = (ns: string, filter: (o: Obj) => boolean = () => true): Obj[] =>
  [...written.entries()]
    .filter(([k, o]) => k.startsWith(`${ns}/`) && filter(o))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, o]) => o);

describe('LIST and GET from shared encoded objects', () => {
  it('a LIST (streamed in slices or in one piece) holds exactly the objects the writes returned', async () => {
    for (let rep = 0; rep < 2; rep++) {
      const big = await list('/api/v1/namespaces/enc-a/pods');
      assert.equal(big.kind, 'PodList');
      assert.equal(big.apiVersion, 'v1');
      assert.match(big.metadata.resourceVersion, /^\d+$/);
      assert.deepEqual(big.items, expected('enc-a'));
      const small = await list('/api/v1/namespaces/enc-b/pods');
      assert.deepEqual(small.items, expected('enc-b'));
      const all = await list('/api/v1/pods');
      assert.equal(all.items.length, PODS + 5);
    }
  });

  it('GET serves the same object, and the patched state after a patch', async () => {
    for (let rep = 0; rep < 2; rep++) {
      assert.deepEqual(ok(await api(server, 'GET', '/api/v1/namespaces/enc-a/pods/p-001')).json(), written.get('enc-a/p-001'));
      assert.deepEqual(ok(await api(server, 'GET', '/api/v1/namespaces/enc-b/pods/p-003')).json(), written.get('enc-b/p-003'));
    }
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/enc-b/pods/p-999')).status, 404);
  });

  it('label and field selectors filter the shared objects', async () => {
    assert.deepEqual(
      (await list('/api/v1/namespaces/enc-a/pods?labelSelector=tier%3Dodd')).items,
      expected('enc-a', (o) => o.metadata.labels?.tier === 'odd'),
    );
    assert.deepEqual((await list('/api/v1/pods?labelSelector=patched%3Dyes')).items, [written.get('enc-a/p-001')]);
    assert.deepEqual((await list('/api/v1/namespaces/enc-a/pods?fieldSelector=metadata.name%3Dp-007')).items, [written.get('enc-a/p-007')]);
  });

  it('pages with limit and continue concatenate to the whole list at one revision', async () => {
    const pages: List[] = [await list('/api/v1/namespaces/enc-a/pods?limit=120')];
    assert.equal(pages[0]!.metadata.remainingItemCount, PODS - 120);
    while (pages.at(-1)!.metadata.continue) {
      pages.push(await list(`/api/v1/namespaces/enc-a/pods?limit=120&continue=${encodeURIComponent(pages.at(-1)!.metadata.continue!)}`));
    }
    assert.equal(pages.length, 3);
    assert.ok(pages.every((p) => p.metadata.resourceVersion === pages[0]!.metadata.resourceVersion));
    assert.deepEqual(
      pages.flatMap((p) => p.items),
      expected('enc-a'),
    );
  });

  it('a LIST at an older resourceVersion serves the state of then, not the newest one', async () => {
    const then = await list(`/api/v1/namespaces/enc-a/pods?resourceVersion=${beforePatch.listRv}&resourceVersionMatch=Exact`);
    assert.equal(then.metadata.resourceVersion, beforePatch.listRv);
    assert.deepEqual(then.items[1], beforePatch.pod);
    assert.deepEqual(then.items.slice(2), expected('enc-a').slice(2));
    // resourceVersion=0 (any) serves the current state.
    assert.deepEqual((await list('/api/v1/namespaces/enc-a/pods?resourceVersion=0')).items, expected('enc-a'));
  });

  it('kubectl get prints Tables from the same objects, and -o json equals the API list', async () => {
    const names = (await kubectlOk(server, ['get', 'pods', '-n', 'enc-a', '-l', 'tier=odd', '--no-headers', '-o', 'custom-columns=N:.metadata.name']))
      .trim()
      .split('\n');
    assert.equal(names.length, PODS / 2);
    const table = await kubectlOk(server, ['get', 'pods', '-n', 'enc-b']);
    assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    assert.match(table, /^p-004\s+0\/1\s+Pending\s+0\s+\d+s$/m);
    const one = await kubectlOk(server, ['get', 'pod', 'p-001', '-n', 'enc-a']);
    assert.match(one, /^p-001\s+0\/1\s+Pending/m);
    const json = JSON.parse(await kubectlOk(server, ['get', 'pods', '-n', 'enc-b', '-o', 'json'])) as List;
    assert.deepEqual(json.items, expected('enc-b'));
  });

  it('a watch without a resourceVersion starts with ADDED events of the same objects', async () => {
    const events = await firstWatchEvents('/api/v1/namespaces/enc-b/pods?watch=1', 5);
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'ADDED', 'ADDED', 'ADDED', 'ADDED'],
    );
    assert.deepEqual(
      events.map((e) => e.object),
      expected('enc-b'),
    );
  });

  it('HPA lists in v1 and v2 each serve their own version of one stored object, in any order', async () => {
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 4,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
        ],
      },
    };
    const created = ok(await api(server, 'POST', '/apis/autoscaling/v2/namespaces/enc-a/horizontalpodautoscalers', { body: hpa }), 201).json<Obj>();
    for (let rep = 0; rep < 2; rep++) {
      const v1 = await list('/apis/autoscaling/v1/namespaces/enc-a/horizontalpodautoscalers');
      assert.equal(v1.apiVersion, 'autoscaling/v1');
      assert.equal(v1.items[0]?.apiVersion, 'autoscaling/v1');
      assert.equal(v1.items[0]?.spec?.targetCPUUtilizationPercentage, 60);
      assert.equal(v1.items[0]?.spec?.metrics, undefined);
      const one = ok(await api(server, 'GET', '/apis/autoscaling/v1/namespaces/enc-a/horizontalpodautoscalers/web')).json<Obj>();
      assert.deepEqual(one, v1.items[0]);
      const v2 = await list('/apis/autoscaling/v2/namespaces/enc-a/horizontalpodautoscalers');
      assert.deepEqual(v2.items, [created]);
      assert.deepEqual(ok(await api(server, 'GET', '/apis/autoscaling/v2/namespaces/enc-a/horizontalpodautoscalers/web')).json(), created);
    }
    const printed = await kubectlOk(server, ['get', 'hpa', 'web', '-n', 'enc-a']);
    assert.match(printed, /^web\s+Deployment\/web\s+cpu: <unknown>\/60%, memory: <unknown>\/100Mi\s+1\s+4\s+0\s+\d+s$/m);
  });

  it('a custom resource served in two versions lists each with its own apiVersion', async () => {
    await kubectlOk(server, ['apply', '-f', '-'], twoVersionCrd);
    await kubectlOk(server, ['wait', '--for=condition=Established', 'crd/gadgets.enc.example.org', '--timeout=20s']);
    const body = { apiVersion: 'enc.example.org/v1beta1', kind: 'Gadget', metadata: { name: 'g1' }, spec: { size: 3 } };
    const created = ok(await api(server, 'POST', '/apis/enc.example.org/v1beta1/gadgets', { body }), 201).json<Obj>();
    for (let rep = 0; rep < 2; rep++) {
      const v1 = await list('/apis/enc.example.org/v1/gadgets');
      assert.deepEqual(v1.items, [{ ...created, apiVersion: 'enc.example.org/v1' }]);
      const beta = await list('/apis/enc.example.org/v1beta1/gadgets');
      assert.deepEqual(beta.items, [created]);
      assert.equal(ok(await api(server, 'GET', '/apis/enc.example.org/v1/gadgets/g1')).json<Obj>().apiVersion, 'enc.example.org/v1');
    }
  });
});

/** The first `n` events of a watch, parsed. */
function firstWatchEvents(path: string, n: number): Promise<{ type: string; object: Obj }[]> {
  return new Promise((resolve, reject) => {
    const events: { type: string; object: Obj }[] = [];
    let buf = '';
    const req = request(new URL(path, server.url), { headers: { Authorization: `Bearer ${server.token}` }, ca: server.ca }, (res) => {
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let i = buf.indexOf('\n'); i >= 0 && events.length < n; i = buf.indexOf('\n')) {
          events.push(JSON.parse(buf.slice(0, i)) as { type: string; object: Obj });
          buf = buf.slice(i + 1);
        }
        if (events.length >= n) {
          req.destroy();
          resolve(events);
        }
      });
      res.on('error', () => {});
    });
    req.on('error', (e) => {
      if (events.length < n) reject(e);
    });
    req.end();
  });
}

const twoVersionCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.enc.example.org
spec:
  group: enc.example.org
  scope: Cluster
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1beta1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}}
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}}
`;
