// Peapod beyond one machine, on loopback: a real 3-member etcd cluster and two `peapod server`
// processes sharing it (same CA and admin token, their own data dirs, watch caches and leader
// electors). What a user notices: a write through one server shows up in a watch on the other;
// `kubectl get lease -n kube-system` names one holder; killing an etcd member under load loses no
// acknowledged write; killing the scheduler's server hands scheduling to the other; kill -9 of
// everything and a restart keep the state.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { type EtcdCluster, startEtcd } from '../../src/storage/etcd/etcd-process.ts';
import { api, eventually, kubectl, kubectlOk, readyNode, startServer, type TestServer } from './harness.ts';

const skip = etcdSkipReason();
// Short leases keep the test quick; the defaults (15 s / 10 s / 2 s) behave the same, only slower.
// 62 addresses and 100 ports for 52 services.
const RANGES = ['--service-cluster-ip-range', '10.43.0.0/26', '--service-node-port-range', '30000-30099'];
const ELECTION = ['--leader-elect-lease-duration', '4s', '--leader-elect-renew-deadline', '3s', '--leader-elect-retry-period', '1s'];

describe('several peapod servers on a 3-member etcd cluster', { skip }, () => {
  let etcd: EtcdCluster;
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  let args: string[];

  /** A server on its own data dir; the CA and admin token are copied from `shareFrom`, as the README says. */
  async function serve(shareFrom?: TestServer): Promise<TestServer> {
    const dataDir = mkdtempSync(join(tmpdir(), 'peapod-etcd-server-'));
    dirs.push(dataDir);
    if (shareFrom) {
      mkdirSync(join(dataDir, 'pki'), { recursive: true });
      for (const f of ['pki/ca.crt', 'pki/ca.key', 'admin.token']) copyFileSync(join(shareFrom.dataDir, f), join(dataDir, f));
    }
    const server = await startServer({ dataDir, args, env: LOG_ENV });
    servers.push(server);
    return server;
  }

  before(async () => {
    etcd = await startEtcd({ members: 3 });
    // Small service ranges: two servers allocating from private copies would collide at once.
    args = ['--etcd-servers', etcd.endpoints.join(','), '--disable', 'agent', ...ELECTION, ...RANGES];
  });
  after(async () => {
    for (const s of servers) await s.stop();
    await etcd?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a write through server A is seen by a watch on server B, and either serves it', async () => {
    const a = await serve();
    const b = await serve(a);
    const list = await api(b, 'GET', '/api/v1/namespaces/default/configmaps');
    const rv = list.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const seen = watchLines(b, `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`);
    try {
      const created = await api(a, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-a' }, data: { k: 'v' } },
      });
      assert.equal(created.status, 201, created.body);
      const event = await seen.next((e) => e.object?.metadata?.name === 'from-a');
      assert.equal(event.type, 'ADDED');
      assert.equal(event.object?.metadata?.resourceVersion, created.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion);
      assert.match(await kubectlOk(b, ['get', 'configmap', 'from-a', '-o', 'jsonpath={.data.k}']), /^v$/);
    } finally {
      seen.close();
    }
  });

  it('hands out distinct ClusterIPs and NodePorts from both servers and refuses a taken one on either', async () => {
    const [a, b] = servers;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api(i % 2 ? b! : a!, 'POST', '/api/v1/namespaces/default/services', {
          body: { apiVersion: 'v1', kind: 'Service', metadata: { name: `spread-${i}` }, spec: { type: 'NodePort', ports: [{ port: 80 }] } },
        }),
      ),
    );
    const created = results.map((r) => {
      assert.equal(r.status, 201, r.body);
      return r.json<Service>();
    });
    const ips = created.map((s) => s.spec?.clusterIP ?? '');
    const ports = created.map((s) => s.spec?.ports?.[0]?.nodePort ?? 0);
    const system = (await api(b!, 'GET', '/api/v1/services')).json<{ items: Service[] }>().items.filter((s) => !s.metadata?.name?.startsWith('spread-'));
    const everyIp = [...ips, ...system.map((s) => s.spec?.clusterIP ?? '')];
    assert.equal(new Set(everyIp).size, everyIp.length, `a ClusterIP was handed out twice: ${everyIp.join(' ')}`);
    assert.equal(new Set(ports).size, 50, `a NodePort was handed out twice: ${ports.join(' ')}`);

    // Taken through A (created[0]), asked for explicitly through B.
    const taken = await api(b!, 'POST', '/api/v1/namespaces/default/services', {
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'wants-taken-ip' }, spec: { clusterIP: ips[0], ports: [{ port: 80 }] } },
    });
    assert.equal(taken.status, 422, taken.body);
    assert.equal(
      taken.json<{ message: string }>().message,
      `Service "wants-taken-ip" is invalid: spec.clusterIPs: Invalid value: []string{"${ips[0]}"}: failed to allocate IP ${ips[0]}: provided IP is already allocated`,
    );
    const port = await kubectl(b!, ['create', 'service', 'nodeport', 'wants-taken-port', '--tcp=80', `--node-port=${ports[0]}`]);
    assert.notEqual(port.code, 0);
    assert.match(port.stderr, new RegExp(`spec.ports\\[0\\].nodePort: Invalid value: ${ports[0]}: provided port is already allocated`));

    // Released through B, the IP can be had through A.
    const holder = created[0]!.metadata!.name!;
    assert.equal((await api(b!, 'DELETE', `/api/v1/namespaces/default/services/${holder}`)).status, 200);
    const reused = await api(a!, 'POST', '/api/v1/namespaces/default/services', {
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reuses-ip' }, spec: { clusterIP: ips[0], ports: [{ port: 80 }] } },
    });
    assert.equal(reused.status, 201, reused.body);
  });

  it('kubectl get lease -n kube-system shows one holder each for the scheduler and the controller manager', async () => {
    const [a] = servers;
    for (const name of ['kube-scheduler', 'kube-controller-manager']) {
      const holder = await eventually(`${name} lease held`, async () => {
        const out = await kubectlOk(a!, ['get', 'lease', '-n', 'kube-system', name, '-o', 'jsonpath={.spec.holderIdentity}']);
        return out.trim() || undefined;
      });
      assert.match(holder, /^[^_]+_[0-9a-f-]{36}$/);
      const holders = servers.filter((s) => isCandidate(s, holder));
      assert.equal(holders.length, 1, `${name}: exactly one server is the candidate ${holder}`);
    }
    const table = await kubectlOk(a!, ['get', 'lease', '-n', 'kube-system']);
    assert.match(table, /kube-scheduler\s+\S+_\S+/);
  });

  it('loses no acknowledged write when an etcd member is killed during 100 writes/s, and writes continue', async () => {
    const [a, b] = servers;
    const acked: string[] = [];
    let ackedAfterKill = 0;
    let killed = false;
    const inflight: Promise<void>[] = [];
    let i = 0;
    const timer = setInterval(() => {
      const name = `load-${i++}`;
      inflight.push(
        api(a!, 'POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } } })
          .then((r) => {
            if (r.status !== 201) return;
            acked.push(name);
            if (killed) ackedAfterKill++;
          })
          .catch(() => {}),
      );
    }, 10);
    await new Promise((r) => setTimeout(r, 1000));
    // The raft leader, so the cluster has to elect a new one while the writes go on.
    const victim = await etcdLeader(etcd);
    await victim.kill();
    killed = true;
    await new Promise((r) => setTimeout(r, 3000));
    clearInterval(timer);
    await Promise.all(inflight);
    assert.ok(ackedAfterKill > 50, `only ${ackedAfterKill} writes acknowledged after the member died`);
    const names = new Set(
      (await api(b!, 'GET', '/api/v1/namespaces/default/configmaps')).json<{ items: { metadata: { name: string } }[] }>().items.map((c) => c.metadata.name),
    );
    const lost = acked.filter((n) => !names.has(n));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged writes missing`);
    await victim.restart();
    await victim.waitReady();
  });

  it('hands scheduling to the other server when the scheduler lease holder is killed', async () => {
    const made = await api(servers[0]!, 'POST', '/api/v1/nodes', { body: readyNode('n1', { cpu: '8', memory: '16Gi', pods: '110' }) });
    assert.equal(made.status, 201, made.body);
    const leaseOf = async (s: TestServer): Promise<string> =>
      (await api(s, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler')).json<Lease>().spec?.holderIdentity ?? '';
    const holder = await leaseOf(servers[0]!);
    const leader = servers.find((s) => s.proc.exitCode === null && isCandidate(s, holder));
    assert.ok(leader, `no running server is ${holder}`);
    const survivor = servers.find((s) => s !== leader && s.proc.exitCode === null)!;
    await leader.kill9();
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'after-failover' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    assert.equal((await api(survivor, 'POST', '/api/v1/namespaces/default/pods', { body: pod })).status, 201);
    const bound = await eventually('pod bound by the new leader', async () => {
      const p = (await api(survivor, 'GET', '/api/v1/namespaces/default/pods/after-failover')).json<Pod>();
      return p.spec?.nodeName;
    });
    assert.equal(bound, 'n1');
    const newHolder = await leaseOf(survivor);
    assert.notEqual(newHolder, holder);
    assert.ok(isCandidate(survivor, newHolder));
  });

  it('keeps the state across kill -9 of every server and etcd member', async () => {
    const running = servers.filter((s) => s.proc.exitCode === null && s.proc.signalCode === null);
    const keep = running[0]!;
    for (const s of running) await s.kill9();
    await Promise.all(etcd.members.map((m) => m.kill()));
    await Promise.all(etcd.members.map((m) => m.restart()));
    await Promise.all(etcd.members.map((m) => m.waitReady()));
    const again = await startServer({ dataDir: keep.dataDir, args, env: LOG_ENV });
    servers.push(again);
    const cm = await api(again, 'GET', '/api/v1/namespaces/default/configmaps/from-a');
    assert.equal(cm.status, 200, cm.body);
    const pods = await api(again, 'GET', '/api/v1/namespaces/default/pods/after-failover');
    assert.equal(pods.json<Pod>().spec?.nodeName, 'n1');
    const loads = (await api(again, 'GET', '/api/v1/namespaces/default/configmaps')).json<{ items: unknown[] }>().items.length;
    assert.ok(loads > 100, `${loads} configmaps after restart`);
  });
});

/** The member that is raft leader now (etcd's JSON gateway: maintenance status). */
async function etcdLeader(cluster: EtcdCluster): Promise<EtcdCluster['members'][number]> {
  for (const member of cluster.members) {
    const res = await fetch(`${member.clientUrl}/v3/maintenance/status`, { method: 'POST', body: '{}' });
    const status = (await res.json()) as { header?: { member_id?: string }; leader?: string };
    if (status.leader !== undefined && status.header?.member_id === status.leader) return member;
  }
  assert.fail('no etcd member reports itself leader');
}

/** Routine lines such as the election's are info: the servers log them, as JSON, for isCandidate. */
const LOG_ENV = { PEAPOD_LOG_LEVEL: 'info' };

/** The server logs its own candidate identity once per elected component. */
function isCandidate(server: TestServer, identity: string): boolean {
  return server.stderr().includes(`"identity":"${identity}"`);
}

interface Line {
  type: string;
  object?: { metadata?: { name?: string; resourceVersion?: string } };
}

/** A raw watch stream; next(pred) resolves with the first event matching `pred`. */
function watchLines(server: TestServer, path: string): { next(pred: (e: Line) => boolean): Promise<Line>; close(): void } {
  const events: Line[] = [];
  let wake: (() => void) | undefined;
  let buffered = '';
  const req = request(new URL(path, server.url), { headers: { Authorization: `Bearer ${server.token}` }, ca: server.ca }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as Line);
      wake?.();
    });
  });
  req.on('error', () => {});
  req.end();
  return {
    async next(pred) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const found = events.find(pred);
        if (found) return found;
        if (Date.now() > deadline) assert.fail(`no matching watch event; got ${JSON.stringify(events)}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 200);
        });
      }
    },
    close: () => req.destroy(),
  };
}

function etcdSkipReason(): string | false {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'etcd is not installed (Debian etcd-server; scripts/install-deps.sh installs it)';
  }
}
