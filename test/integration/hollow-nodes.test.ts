// `peapod hollow-nodes`: twenty simulated nodes in one child process join a real server (with
// its scheduler and controller manager, no embedded agent) and run a Deployment's pods, with pod
// IPs from each node's own pod CIDR. No root needed: the hollow runtime starts no processes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { eventually, kubectl, startServer, type TestServer } from './harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const COUNT = 20;

interface NodeList {
  items: { metadata: { name: string }; spec?: { podCIDR?: string }; status?: { conditions?: { type: string; status: string }[] } }[];
}
interface PodList {
  items: { metadata: { name: string }; spec?: { nodeName?: string }; status?: { phase?: string; podIP?: string } }[];
}

function cidrContains(cidr: string, ip: string): boolean {
  // Node pod CIDRs are /24s here: the first three octets match.
  return cidr.endsWith('/24') && ip.split('.').slice(0, 3).join('.') === cidr.split('.').slice(0, 3).join('.');
}

describe('peapod hollow-nodes', () => {
  let server: TestServer;
  let hollow: ChildProcess;
  let hollowErr = '';

  before(async () => {
    server = await startServer({ args: ['--disable', 'agent'] });
    hollow = spawn(
      process.execPath,
      [join(ROOT, 'bin/peapod.js'), 'hollow-nodes', '--count', String(COUNT), '--kubeconfig', server.kubeconfig, '--spread-seconds', '1'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    hollow.stderr!.on('data', (d: Buffer) => (hollowErr += d.toString()));
    hollow.stdout!.resume();
  });

  after(async () => {
    if (hollow && hollow.exitCode === null && hollow.signalCode === null) {
      hollow.kill('SIGTERM');
      await once(hollow, 'exit');
    }
    await server?.stop();
  });

  it(`joins ${COUNT} Ready nodes, each with its own pod CIDR`, async () => {
    const nodes = await eventually(
      '20 Ready nodes',
      async () => {
        const r = await kubectl(server, ['get', 'nodes', '-o', 'json']);
        if (r.code !== 0) return undefined;
        const list = JSON.parse(r.stdout) as NodeList;
        const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        return ready.length === COUNT ? list : undefined;
      },
      60_000,
    ).catch((e: Error) => assert.fail(`${e.message}\nhollow-nodes stderr:\n${hollowErr}`));
    const cidrs = new Set(nodes.items.map((n) => n.spec?.podCIDR));
    assert.equal(cidrs.size, COUNT, 'every node has a distinct pod CIDR');
    const table = await kubectl(server, ['get', 'nodes']);
    assert.equal(table.stdout.split('\n').filter((l) => / Ready /.test(l)).length, COUNT);
    assert.match(hollowErr, new RegExp(`${COUNT}/${COUNT} nodes joined`));
  });

  it('runs a Deployment of 10 replicas on the hollow nodes with pod IPs from their CIDRs', async () => {
    const configMapGets = async (): Promise<number> =>
      (await kubectl(server, ['get', '--raw', '/metrics'])).stdout
        .split('\n')
        .filter((l) => l.startsWith('apiserver_request_total{') && l.includes('verb="GET"') && l.includes('resource="configmaps"'))
        .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    const getsBefore = await configMapGets();
    const created = await kubectl(server, ['create', 'deployment', 'web', '--image=nginx', '--replicas=10']);
    assert.equal(created.code, 0, created.stderr);
    await eventually(
      'deployment Available',
      async () => {
        const r = await kubectl(server, [
          'get',
          'deployment',
          'web',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Available")].status} {.status.availableReplicas}',
        ]);
        return r.stdout.trim() === 'True 10' || undefined;
      },
      60_000,
    );
    const nodes = JSON.parse((await kubectl(server, ['get', 'nodes', '-o', 'json'])).stdout) as NodeList;
    const cidrOf = new Map(nodes.items.map((n) => [n.metadata.name, n.spec?.podCIDR ?? '']));
    const pods = JSON.parse((await kubectl(server, ['get', 'pods', '-l', 'app=web', '-o', 'json'])).stdout) as PodList;
    assert.equal(pods.items.length, 10);
    for (const p of pods.items) {
      assert.equal(p.status?.phase, 'Running', p.metadata.name);
      const node = p.spec?.nodeName ?? '';
      assert.ok(cidrOf.has(node), `${p.metadata.name} runs on a hollow node (${node})`);
      assert.ok(cidrContains(cidrOf.get(node)!, p.status?.podIP ?? ''), `${p.metadata.name} IP ${p.status?.podIP} in ${cidrOf.get(node)}`);
    }
    // Every pod mounts kube-root-ca.crt; the nodes read it from one shared watch, as kubelet's
    // Watch strategy does, not with a GET per pod.
    assert.ok((await configMapGets()) - getsBefore < 10, 'no GET of kube-root-ca.crt per pod');
    const deleted = await kubectl(server, ['delete', 'deployment', 'web', '--wait=true']);
    assert.equal(deleted.code, 0, deleted.stderr);
  });

  it('stops on SIGTERM and leaves the Node objects behind', async () => {
    hollow.kill('SIGTERM');
    const [code] = (await once(hollow, 'exit')) as [number | null];
    assert.equal(code, 0);
    const r = await kubectl(server, ['get', 'nodes', '--no-headers']);
    assert.equal(r.stdout.trim().split('\n').length, COUNT);
  });

  it('refuses a bad --heap-growing-percent before joining any node', () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'bin/peapod.js'), 'hollow-nodes', '--count', '1', '--kubeconfig', server.kubeconfig, '--heap-growing-percent', '-5'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--heap-growing-percent: expected an integer ≥ 0, got "-5"/);
  });
});
