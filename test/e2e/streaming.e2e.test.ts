// kubectl logs -f, exec (plain, -i, -it through a pty), cp both ways, attach and port-forward on
// real containers run by the embedded agent. Root only; its own node name, subnet and bridge.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { eventually, kubectl, type TestServer } from '../integration/harness.ts';
import { deletePodsAndStop, startNodeServer, destroyTestNode, e2eSkipReason, httpGet, type TestNode } from './e2e-harness.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';

const skip = skipUnlessCI(e2eSkipReason());

describe('streaming on real containers', { skip, timeout: 150_000 }, () => {
  let node: TestNode;
  let server: TestServer | undefined;
  let dir: string;
  const env = () => ({ PATH: process.env.PATH ?? '', HOME: join(dir, 'home'), KUBECONFIG: server!.kubeconfig });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peapod-e2e-stream-'));
    ({ node, server } = await startNodeServer('stream'));
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'talker' },
      spec: {
        nodeName: node.nodeName,
        terminationGracePeriodSeconds: 1,
        containers: [
          { name: 'main', image: 'busybox', command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.3; done'] },
          { name: 'web', image: 'busybox', command: ['sh', '-c', 'mkdir -p /www && echo forwarded-page > /www/index.html && exec httpd -f -p 8080 -h /www'] },
        ],
      },
    };
    const r = await kubectl(server, ['apply', '-f', '-'], { input: JSON.stringify(pod) });
    assert.equal(r.code, 0, r.stderr);
    const w = await kubectl(server, ['wait', '--for=condition=Ready', 'pod/talker', '--timeout=60s']);
    assert.equal(w.code, 0, w.stderr);
  });

  after(async () => {
    if (server) await deletePodsAndStop(server, node);
    if (node) await destroyTestNode(node);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('logs, --tail and logs -f follow new output', async () => {
    const tail = await kubectl(server!, ['logs', 'talker', '-c', 'main', '--tail=1']);
    assert.equal(tail.code, 0, tail.stderr);
    assert.match(tail.stdout, /^tick \d+\n$/);
    const child = spawn('kubectl', ['logs', '-f', 'talker', '-c', 'main', '--tail=1'], { env: env() });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually('three followed lines', async () => out.split('\n').filter((l) => l.startsWith('tick')).length >= 3, 20_000);
      const n = out
        .split('\n')
        .filter(Boolean)
        .map((l) => Number(l.split(' ')[1]));
      for (let i = 1; i < n.length; i++) assert.equal(n[i], n[i - 1]! + 1, 'consecutive lines while following');
    } finally {
      child.kill();
    }
  });

  test('exec passes the exit code, stdin, and a pty with -it', async () => {
    const code = await kubectl(server!, ['exec', 'talker', '-c', 'main', '--', 'sh', '-c', 'echo out; echo err >&2; exit 42']);
    assert.equal(code.code, 42);
    assert.equal(code.stdout, 'out\n');
    assert.match(code.stderr, /err\n[\s\S]*command terminated with exit code 42/);
    const stdin = await kubectl(server!, ['exec', '-i', 'talker', '-c', 'main', '--', 'sh', '-c', 'tr a-z A-Z'], { input: 'shout\n' });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.equal(stdin.stdout, 'SHOUT\n');
    // -it needs a terminal on kubectl's side: script(1) gives it one.
    const tty = spawnSync('script', ['-qec', "kubectl exec -it talker -c main -- sh -c 'tty; exit 3'", '/dev/null'], {
      env: env(),
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(tty.status, 3, tty.stdout + tty.stderr);
    assert.match(tty.stdout, /\/dev\/pts\/\d+/);
  });

  test('cp copies a file into the container and back out', async () => {
    const src = join(dir, 'in.txt');
    await writeFile(src, 'copied both ways\n');
    const up = await kubectl(server!, ['cp', src, 'talker:/tmp/in.txt', '-c', 'main']);
    assert.equal(up.code, 0, up.stderr);
    const cat = await kubectl(server!, ['exec', 'talker', '-c', 'main', '--', 'cat', '/tmp/in.txt']);
    assert.equal(cat.stdout, 'copied both ways\n');
    const back = join(dir, 'out.txt');
    const down = await kubectl(server!, ['cp', 'talker:/tmp/in.txt', back, '-c', 'main']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await readFile(back, 'utf8'), 'copied both ways\n');
  });

  test('attach streams the running container output', async () => {
    const child = spawn('kubectl', ['attach', 'talker', '-c', 'main'], { env: env() });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually('attached output', async () => /tick \d+\n[\s\S]*tick \d+\n/.test(out), 20_000);
    } finally {
      child.kill();
    }
  });

  test('port-forward reaches a container port; get --raw through pods/proxy too', async () => {
    const child = spawn('kubectl', ['port-forward', 'pod/talker', ':8080'], { env: env() });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const port = await eventually('forwarding', async () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 20_000);
      assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'forwarded-page\n');
    } finally {
      child.kill();
    }
    const raw = await kubectl(server!, ['get', '--raw', '/api/v1/namespaces/default/pods/talker:8080/proxy/']);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(raw.stdout, 'forwarded-page\n');
  });
});
