// metrics.k8s.io and `kubectl top` against hollow nodes: three simulated nodes in a child process
// serve their kubelet stats endpoint on loopback (simulated usage), and the real kubectl reads
// node and pod usage through the API server, as it would from metrics-server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, getJson, kubectl, kubectlOk, startServer, type TestServer } from './harness.ts';
import { startHollowNodes, type HollowNodes } from './hollow-harness.ts';

interface PodMetricsList {
  kind: string;
  items: {
    metadata: { name: string; namespace: string; labels?: Record<string, string> };
    containers: { name: string; usage: { cpu: string; memory: string } }[];
  }[];
}

describe('metrics.k8s.io and kubectl top (hollow nodes)', () => {
  let server: TestServer;
  let hollow: HollowNodes | undefined;

  before(async () => {
    server = await startServer({ args: ['--disable', 'agent'] });
    hollow = await startHollowNodes(server, { count: 3, prefix: 'top-' });
  });

  after(async () => {
    await hollow?.stop();
    await server?.stop();
  });

  it('lists metrics.k8s.io/v1beta1 in discovery with nodes and pods (get, list)', async () => {
    const out = await kubectlOk(server, ['api-resources', '--api-group=metrics.k8s.io', '-o', 'wide']);
    assert.match(out, /^nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics\s+get,list/m);
    assert.match(out, /^pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics\s+get,list/m);
    const versions = await kubectlOk(server, ['api-versions']);
    assert.match(versions, /^metrics\.k8s\.io\/v1beta1$/m);
  });

  it('kubectl top nodes shows every node with CPU and memory', async () => {
    const out = await eventually(
      'top nodes',
      async () => {
        const r = await kubectl(server, ['top', 'nodes']);
        return r.code === 0 && r.stdout.split('\n').filter((l) => l.startsWith('top-')).length === 3 ? r.stdout : undefined;
      },
      30_000,
    );
    assert.match(out, /^NAME\s+CPU\(cores\)\s+CPU(%)?/m);
    for (const line of out.split('\n').filter((l) => l.startsWith('top-'))) assert.match(line, /^top-\d\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
  });

  it('kubectl top pods --containers -A shows the simulated usage of each container', async () => {
    await kubectlOk(server, ['create', 'namespace', 'busy']);
    await kubectlOk(
      server,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'burner',
          namespace: 'busy',
          labels: { app: 'burner' },
          annotations: { 'peapod.dev/hollow-cpu-millicores': '250', 'peapod.dev/hollow-memory-bytes.side': String(64 * 1024 * 1024) },
        },
        spec: {
          containers: [
            { name: 'main', image: 'busybox' },
            { name: 'side', image: 'busybox' },
          ],
        },
      }),
    );
    const out = await eventually(
      'top pods',
      async () => {
        const r = await kubectl(server, ['top', 'pods', '--containers', '-A']);
        return r.code === 0 && /burner/.test(r.stdout) ? r.stdout : undefined;
      },
      30_000,
    );
    assert.match(out, /^NAMESPACE\s+POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/m);
    assert.match(out, /^busy\s+burner\s+main\s+250m\s+\d+Mi/m);
    assert.match(out, /^busy\s+burner\s+side\s+250m\s+64Mi/m);
    const one = await kubectlOk(server, ['top', 'pod', 'burner', '-n', 'busy']);
    assert.match(one, /^burner\s+500m\s+\d+Mi/m);
  });

  it('filters pod metrics by label selector and namespace, and answers NotFound as metrics-server', async () => {
    const sel = await getJson<PodMetricsList>(server, '/apis/metrics.k8s.io/v1beta1/namespaces/busy/pods?labelSelector=app%3Dburner');
    assert.equal(sel.kind, 'PodMetricsList');
    assert.deepEqual(
      sel.items.map((i) => i.metadata.name),
      ['burner'],
    );
    assert.deepEqual(sel.items[0]?.metadata.labels, { app: 'burner' });
    const none = await getJson<PodMetricsList>(server, '/apis/metrics.k8s.io/v1beta1/namespaces/busy/pods?labelSelector=app%3Dother');
    assert.deepEqual(none.items, []);
    const other = await getJson<PodMetricsList>(server, '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
    assert.equal(
      other.items.some((i) => i.metadata.name === 'burner'),
      false,
    );
    const missing = await kubectl(server, ['top', 'pod', 'nope', '-n', 'busy']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /podmetrics\.metrics\.k8s\.io "busy\/nope" not found/);
    const watch = await kubectl(server, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods?watch=true']);
    assert.notEqual(watch.code, 0, 'watch is not a verb of the metrics API');
    const badSelector = await kubectl(server, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%3D%3D%3Db']);
    assert.match(badSelector.stderr, /BadRequest|unable to parse requirement|invalid/i);
    const badField = await kubectl(server, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=spec.nope%3Dx']);
    assert.match(badField.stderr, /BadRequest|field label not supported/i);
    const byLabel = await kubectlOk(server, ['top', 'nodes', '-l', 'kubernetes.io/hostname=top-1']);
    assert.deepEqual(
      byLabel
        .split('\n')
        .filter((l) => l.startsWith('top-'))
        .map((l) => l.split(/\s+/)[0]),
      ['top-1'],
    );
  });

  it('lets a view-only user read metrics (aggregated into view)', async () => {
    await kubectlOk(server, ['create', 'serviceaccount', 'viewer', '-n', 'busy']);
    await kubectlOk(server, ['create', 'rolebinding', 'viewer', '--clusterrole=view', '--serviceaccount=busy:viewer', '-n', 'busy']);
    const can = await kubectl(server, ['auth', 'can-i', 'list', 'pods.metrics.k8s.io', '-n', 'busy', '--as=system:serviceaccount:busy:viewer']);
    assert.equal(can.stdout.trim(), 'yes');
    const cannot = await kubectl(server, ['auth', 'can-i', 'list', 'nodes.metrics.k8s.io', '--as=system:serviceaccount:busy:viewer']);
    assert.equal(cannot.stdout.trim(), 'no');
  });
});
