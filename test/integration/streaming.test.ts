// kubectl logs / exec / attach / cp / port-forward / pods proxy through a real `peapod server`
// to an agent streaming endpoint running in this test process. The agent's backend is a fake
// that needs no root: its "container" runs commands as local processes on the host filesystem
// (so `kubectl cp web:/tmp/<dir>/f` reads a real host path — no chroot), its logs are CRI-format
// files in a temp dir, and its pod IP is 127.0.0.1 where local TCP servers play the pod's ports.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer, get as httpGet_, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, eventually, kubectl, startServer, type TestServer } from './harness.ts';
import { startAgentServer, type AgentServer, type StreamingBackend, type StreamIO, type TerminalSize } from '../../src/agent/server/index.ts';

let server: TestServer;
let agent: AgentServer;
let dir: string;
let home: string;
let web: Server;
let webPort: number;
let running = true;
const resizes: TerminalSize[] = [];
const ttys: boolean[] = [];
const children = new Set<ChildProcess>();
/** Requests the pod's web server holds until a second one arrives (proves concurrent forwarding). */
const held: ServerResponse[] = [];
/** Sessions the agent accepted, with the negotiated protocol (so a silent fallback fails a test). */
const sessions: { msg: string; protocol: string }[] = [];

function runLocal(cmd: readonly string[], io: StreamIO): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], cwd: dir });
    children.add(child);
    const kill = () => child.kill('SIGKILL');
    io.signal?.addEventListener('abort', kill, { once: true });
    if (io.stdout) child.stdout.pipe(io.stdout, { end: false });
    else child.stdout.resume();
    const errSink = io.tty ? io.stdout : io.stderr;
    if (errSink) child.stderr.pipe(errSink, { end: false });
    else child.stderr.resume();
    child.stdin.on('error', () => {});
    if (io.stdin) io.stdin.pipe(child.stdin);
    else child.stdin.end();
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      io.signal?.removeEventListener('abort', kill);
      resolve(code ?? 137);
    });
  });
}

const backend: StreamingBackend = {
  async findContainer(namespace, pod, container) {
    if (namespace !== 'default' || pod !== 'web' || (container !== undefined && container !== 'web')) return undefined;
    return { id: 'web-1', logPath: join(dir, 'web.log'), previousLogPath: join(dir, 'web-previous.log'), running };
  },
  exec(_id, cmd, io) {
    ttys.push(io.tty === true);
    io.onResize?.((size) => resizes.push(size));
    return runLocal(cmd, io);
  },
  attach(_id, io) {
    // The "main process" of the fake container: echoes what it reads.
    return runLocal(['sh', '-c', 'echo attached; while read l; do echo "got $l"; done'], io).then(() => undefined);
  },
  podNetwork(namespace, pod) {
    return namespace === 'default' && pod === 'web' ? { ip: '127.0.0.1', uid: 'uid-web' } : undefined;
  },
};

/** 20 MiB the pod serves at /big: forwarding it exercises backpressure on both transports. */
const BIG = Buffer.alloc(20 << 20, 'peapod-');

const line = (t: string, text: string, tag = 'F') => `2026-11-28T11:52:0${t}.000000000+00:00 stdout ${tag} ${text}\n`;

function kubectlEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: server.kubeconfig, ...extra };
}

/** A long-running kubectl (logs -f, port-forward); output accumulates in `out()`. */
function spawnKubectl(args: string[], env: Record<string, string> = {}) {
  const child = spawn('kubectl', args, { env: kubectlEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on('close', (code) => {
      children.delete(child);
      resolve(code ?? -1);
    }),
  );
  return { child, exited, out: () => stdout, err: () => stderr };
}

function httpGet(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet_({ host: '127.0.0.1', port, path, agent: false }, (res: IncomingMessage) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

function httpGetBytes(port: number, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    httpGet_({ host: '127.0.0.1', port, path, agent: false }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peapod-streaming-'));
  home = await mkdtemp(join(tmpdir(), 'peapod-streaming-home-'));
  await writeFile(join(dir, 'web.log'), line('0', 'hello') + line('1', 'wor', 'P') + line('1', 'ld') + line('2', 'third'));
  await writeFile(join(dir, 'web-previous.log'), line('0', 'from the previous instance'));
  web = createServer((req, res) => {
    if (req.url === '/hold') {
      held.push(res);
      if (held.length === 2) for (const r of held.splice(0)) r.end('both arrived\n');
      return;
    }
    if (req.url === '/big') return void res.end(BIG);
    res.end(`page of web at ${req.url}\n`);
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webPort = (web.address() as AddressInfo).port;

  server = await startServer({ args: ['--disable', 'agent,scheduler'] });
  const pki = join(server.dataDir, 'pki');
  const nodeToken = (await readFile(join(server.dataDir, 'node-token'), 'utf8')).trim();
  agent = await startAgentServer({
    host: '127.0.0.1',
    port: 0,
    tls: { cert: await readFile(join(pki, 'server.crt'), 'utf8'), key: await readFile(join(pki, 'server.key'), 'utf8') },
    // The API server reaches agents with the join token (<data-dir>/node-token).
    authenticate: (h) => h === `Bearer ${nodeToken}`,
    backend,
    log: (msg, fields) => sessions.push({ msg, protocol: String(fields?.protocol ?? '') }),
  });
  const node = await api(server, 'POST', '/api/v1/nodes', {
    body: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'stream-node' },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: agent.port } } },
    },
  });
  assert.equal(node.status, 201, node.body);
  const pod = await api(server, 'POST', '/api/v1/namespaces/default/pods', {
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: { nodeName: 'stream-node', containers: [{ name: 'web', image: 'busybox', ports: [{ containerPort: webPort }] }] },
    },
  });
  assert.equal(pod.status, 201, pod.body);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const status = await api(server, 'PATCH', '/api/v1/namespaces/default/pods/web/status', {
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        phase: 'Running',
        podIP: '127.0.0.1',
        podIPs: [{ ip: '127.0.0.1' }],
        containerStatuses: [
          {
            name: 'web',
            image: 'busybox',
            imageID: '',
            ready: true,
            restartCount: 1,
            state: { running: { startedAt: now } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now, containerID: 'peapod://web-0' } },
          },
        ],
      },
    },
  });
  assert.equal(status.status, 200, status.body);
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const r of held) r.destroy();
  await agent?.close();
  await server?.stop();
  await new Promise<void>((r) => (web ? web.close(() => r()) : r()));
  await rm(dir, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

describe('kubectl logs', () => {
  it('prints the container log with partial records joined, and honours --tail, --timestamps, --limit-bytes, --previous', async () => {
    const all = await kubectl(server, ['logs', 'web']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, 'hello\nworld\nthird\n');
    assert.equal((await kubectl(server, ['logs', 'web', '--tail=1'])).stdout, 'third\n');
    assert.equal((await kubectl(server, ['logs', 'web', '-c', 'web', '--tail=1', '--timestamps'])).stdout, '2026-11-28T11:52:02.000000000Z third\n');
    assert.equal((await kubectl(server, ['logs', 'web', '--limit-bytes=8'])).stdout, 'hello\nwo');
    assert.equal((await kubectl(server, ['logs', 'web', '--previous'])).stdout, 'from the previous instance\n');
    assert.equal((await kubectl(server, ['logs', 'web', '--since=1h'])).stdout, '');
  });

  it('reports an unknown container as upstream does', async () => {
    const r = await kubectl(server, ['logs', 'web', '-c', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /container nope is not valid for pod web/);
  });

  it('-f streams appended lines and ends when the container stops', async () => {
    const k = spawnKubectl(['logs', '-f', 'web']);
    await eventually('initial log', async () => k.out().includes('third'));
    await appendFile(join(dir, 'web.log'), line('3', 'appended later'));
    await eventually('appended line', async () => k.out().includes('appended later'));
    running = false;
    assert.equal(await k.exited, 0);
    running = true;
    assert.equal(k.out(), 'hello\nworld\nthird\nappended later\n');
  });

  it('serves logs over the binary.k8s.io WebSocket the conformance tests use', async () => {
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${server.url.replace('https', 'wss')}/api/v1/namespaces/default/pods/web/log?container=web&tailLines=1`, ['binary.k8s.io'], {
      headers: { Authorization: `Bearer ${server.token}` },
      ca: server.ca,
    });
    let text = '';
    ws.on('message', (d: Buffer) => (text += d.toString()));
    await new Promise<void>((resolve, reject) => {
      ws.on('close', () => resolve());
      ws.on('error', reject);
    });
    assert.match(text, /\n$/);
    assert.equal(text.split('\n').length, 2);
  });
});

describe('kubectl exec / attach / cp', () => {
  it('propagates the exit code with upstream wording and keeps stdout and stderr apart', async () => {
    const r = await kubectl(server, ['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 42']);
    assert.equal(r.code, 42);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /err\n/);
    assert.match(r.stderr, /command terminated with exit code 42/);
    const ok = await kubectl(server, ['exec', 'web', '-c', 'web', '--', 'echo', 'fine']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'fine\n');
    assert.deepEqual(
      sessions.filter((x) => x.msg === 'exec session').map((x) => x.protocol),
      ['v5.channel.k8s.io', 'v5.channel.k8s.io'],
    );
  });

  it('exec -i feeds stdin until EOF', async () => {
    const r = await kubectl(server, ['exec', '-i', 'web', '--', 'tr', 'a-z', 'A-Z'], { input: 'hello stdin\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'HELLO STDIN\n');
  });

  it('exec -it through a pty sends the terminal size and propagates the exit code', async () => {
    const before = ttys.length;
    const cmd = `stty cols 91 rows 27; kubectl exec -it web -- sh -c 'echo tty-ok; exit 3'`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: kubectlEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    children.delete(child);
    assert.match(out, /tty-ok/);
    assert.equal(code, 3, out);
    assert.equal(ttys[before], true);
    assert.deepEqual(resizes.at(-1), { width: 91, height: 27 });
  });

  it('reports an unknown container and a missing pod as upstream does', async () => {
    const bad = await kubectl(server, ['exec', 'web', '-c', 'nope', '--', 'true']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /container nope is not valid for pod web/);
    const missing = await kubectl(server, ['exec', 'ghost', '--', 'true']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /pods "ghost" not found/);
  });

  it('cp copies a file into the container and back out', async () => {
    const inside = join(dir, 'inside');
    await mkdir(inside);
    const local = join(dir, 'local.txt');
    await writeFile(local, 'copied content\n');
    const up = await kubectl(server, ['cp', local, `web:${inside}/remote.txt`]);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(await readFile(join(inside, 'remote.txt'), 'utf8'), 'copied content\n');
    const back = join(dir, 'back.txt');
    const down = await kubectl(server, ['cp', `web:${inside}/remote.txt`, back]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await readFile(back, 'utf8'), 'copied content\n');
  });

  it('attach -i connects to the main process', async () => {
    const r = await kubectl(server, ['attach', '-i', 'web'], { input: 'hi there\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /attached\ngot hi there\n/);
  });
});

describe('kubectl port-forward and pods/proxy', () => {
  async function forward(targetPort: number, env: Record<string, string> = {}) {
    const k = spawnKubectl(['port-forward', '--address', '127.0.0.1', 'pod/web', `:${targetPort}`], env);
    const local = await eventually('Forwarding from', async () => {
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(k.out());
      return m ? Number(m[1]) : undefined;
    });
    return { ...k, local };
  }

  for (const [transport, env, protocol] of [
    ['WebSocket', {}, 'SPDY/3.1+portforward.k8s.io'],
    ['plain SPDY', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, 'SPDY/3.1'],
  ] as const) {
    it(`forwards HTTP to the pod port, with concurrent connections (${transport})`, async () => {
      const seen = sessions.length;
      const k = await forward(webPort, env);
      try {
        const page = await httpGet(k.local, '/hello');
        assert.equal(page.body, 'page of web at /hello\n');
        // Each response is held until both requests reach the pod: only concurrent streams finish.
        const [a, b] = await Promise.all([httpGet(k.local, '/hold'), httpGet(k.local, '/hold')]);
        assert.equal(a.body, 'both arrived\n');
        assert.equal(b.body, 'both arrived\n');
        const big = await httpGetBytes(k.local, '/big');
        assert.equal(big.length, BIG.length);
        assert.ok(big.equals(BIG), 'the 20 MiB body arrives intact');
        assert.equal((await httpGet(k.local, '/again')).body, 'page of web at /again\n');
        assert.deepEqual(
          sessions.slice(seen).map((x) => `${x.msg} ${x.protocol}`),
          [`port-forward session ${protocol}`],
        );
      } finally {
        k.child.kill('SIGTERM');
        await k.exited;
      }
    });
  }

  it('reports a port nothing listens on as kubectl expects', async () => {
    const closed = await freePort();
    const k = await forward(closed);
    await httpGet(k.local).catch(() => undefined);
    const code = await k.exited;
    assert.equal(code, 1);
    assert.match(k.err(), new RegExp(`error forwarding port ${closed} to pod web, uid uid-web: connect ECONNREFUSED`));
  });

  it("kubectl get --raw pods/web/proxy/ reaches the pod's first containerPort", async () => {
    const r = await kubectl(server, ['get', '--raw', '/api/v1/namespaces/default/pods/web/proxy/some/path?x=1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'page of web at /some/path?x=1\n');
    const root = await kubectl(server, ['get', '--raw', `/api/v1/namespaces/default/pods/web:${webPort}/proxy/`]);
    assert.equal(root.stdout, 'page of web at /\n');
  });
});
