import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ImageStore } from '../images/index.ts';
import { PodNetwork, sweep } from '../network/index.ts';
import { removeAgentRuntimeState } from '../leftovers.ts';
import { ConmonRuntime } from './conmon-runtime.ts';
import { removeCgroupTree } from './sandbox.ts';
import type { ContainerSpec } from './types.ts';
import { skipUnlessCI } from '../../../test/skip-unless-ci.ts';

// Real containers: needs root, conmon, runc and the CNI plugins. Every run uses its own prefix
// (`ppd-t<hex>`) for the state dir, bridge and cgroup parent, and first sweeps what crashed runs
// with the common prefix left behind. The suite runs once per OCI runtime: runc, and crun where
// installed (through its wrapper on a hybrid cgroup host such as this one).
const isRoot = process.getuid?.() === 0;
const haveTools = ['/usr/bin/conmon', '/usr/lib/cni/bridge', '/bin/busybox'].every((p) => existsSync(p));
const skip = skipUnlessCI(!isRoot ? 'needs root' : !haveTools ? 'needs conmon, containernetworking-plugins, busybox-static' : false);

const TAG = `ppd-t${randomBytes(3).toString('hex')}`;
const BASE = join(tmpdir(), 'peapod-rt-e2e');
const ROOT = join(BASE, TAG);
const SUBNET_OCTET = 200 + (randomBytes(1)[0]! % 50);
const CGROUP_PARENT = `/${TAG}`;
const HOST_PORT = 20000 + (randomBytes(2).readUInt16BE() % 20000);

async function sweepStale(): Promise<void> {
  // Stale runs: anything under BASE except ours, bridges named ppd-t*, their cgroups and portmap rules.
  if (existsSync(BASE)) {
    for (const d of await readdir(BASE)) if (d !== TAG && !(await ownerAlive(d))) await sweepRun(d);
  }
  for (const ctrl of await readdir('/sys/fs/cgroup').catch(() => [])) {
    for (const d of await readdir(join('/sys/fs/cgroup', ctrl)).catch(() => [])) {
      if (/^ppd-t[0-9a-f]{6}$/.test(d) && d !== TAG && !(await ownerAlive(d))) await removeCgroupTree(`/${d}`);
    }
  }
}

/** A run still in progress (another test process on this machine) is left alone. */
async function ownerAlive(tag: string): Promise<boolean> {
  const pid = Number(await readFile(join(BASE, tag, 'owner.pid'), 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function sweepRun(tag: string): Promise<void> {
  const root = join(BASE, tag);
  // Kill containers of that run first so mounts and cgroups can go.
  await removeAgentRuntimeState(root);
  await sweep({ pathPrefix: root, linkPrefix: tag, networkNamePrefix: `peapod-${tag}` });
  await removeCgroupTree(`/${tag}`);
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 2000 }, (res) => {
      let body = '';
      res
        .setEncoding('utf8')
        .on('data', (c: string) => (body += c))
        .on('end', () => resolve(body));
    });
    req
      .on('error', reject)
      .on('timeout', () => req.destroy(new Error('timeout')))
      .end();
  });
}

async function until<T>(fn: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}: ${String(last)}`);
}

const RUNTIMES = ['runc', ...(existsSync('/usr/bin/crun') ? (['crun'] as const) : [])] as const;

for (const OCI of RUNTIMES)
  describe(`conmon runtime with real containers (${OCI})`, { skip, timeout: 90_000 }, () => {
    let images: ImageStore;
    let network: PodNetwork;
    let rt: ConmonRuntime;

    before(async () => {
      await sweepStale();
      await mkdir(ROOT, { recursive: true });
      await writeFile(join(ROOT, 'owner.pid'), String(process.pid));
      images = new ImageStore({ dataDir: join(ROOT, 'images') });
      await images.ensureBusyboxImage();
      network = new PodNetwork({ stateDir: join(ROOT, 'net'), bridge: TAG, subnet: `10.42.${SUBNET_OCTET}.0/24` });
      rt = await ConmonRuntime.create({ root: join(ROOT, 'rt'), images, network, ociRuntime: OCI, cgroupParent: CGROUP_PARENT });
    });

    after(async () => {
      if (!rt) return;
      for (const c of await rt.listContainers()) await rt.removeContainer(c.id);
      for (const s of await rt.listSandboxes()) await rt.removeSandbox(s.podUid);
      await network.destroy();
      await sweepRun(TAG);
      assert.equal(existsSync(ROOT), false, 'state dir removed');
      const mounts = await readFile('/proc/self/mountinfo', 'utf8');
      assert.equal(mounts.includes(ROOT), false, 'no mounts left');
      assert.equal(existsSync(`/sys/fs/cgroup/memory${CGROUP_PARENT}`), false, 'no cgroups left');
    });

    test('version names the OCI runtime', () => {
      assert.match(rt.version(), new RegExp(`^${OCI}://\\d+\\.\\d+`));
    });

    test('the seed pod: httpd + sidecar share the netns and a volume; exec, host access, adoption', async () => {
      const uid = `pod-${randomBytes(4).toString('hex')}`;
      let t = Date.now();
      const sandbox = await rt.createSandbox({
        podUid: uid,
        podName: 'web',
        namespace: 'default',
        portMappings: [{ hostPort: HOST_PORT, containerPort: 80, protocol: 'tcp' }],
      });
      const sandboxMs = Date.now() - t;
      assert.match(sandbox.ip, new RegExp(`^10\\.42\\.${SUBNET_OCTET}\\.\\d+$`));
      const www = join(ROOT, 'vol-www');
      await mkdir(www, { recursive: true });
      const common = { podUid: uid, image: 'docker.io/library/busybox:1.36', mounts: [{ containerPath: '/www', hostPath: www }] };
      const web: ContainerSpec = { ...common, name: 'web', command: ['httpd', '-f', '-p', '80', '-h', '/www'] };
      const sidecar: ContainerSpec = {
        ...common,
        name: 'sidecar',
        command: ['sh', '-c', 'while true; do echo "hello from $(hostname)" > /www/index.html; sleep 1; done'],
      };
      t = Date.now();
      const ids = await Promise.all([web, sidecar].map((s) => rt.createContainer(s)));
      await Promise.all(ids.map((id) => rt.startContainer(id)));
      const startMs = Date.now() - t;
      const [webId, sideId] = ids as [string, string];
      const page = await until(
        async () => {
          const out = new PassThrough();
          let text = '';
          out.on('data', (b: Buffer) => (text += b.toString()));
          const code = await rt.exec(sideId, ['wget', '-qO-', 'http://127.0.0.1/'], { stdout: out, stderr: new PassThrough() });
          return code === 0 && text ? text : undefined;
        },
        5000,
        'page via exec',
      );
      const readyMs = Date.now() - t;
      assert.equal(page, 'hello from web\n');
      assert.equal(await httpGet(`http://${sandbox.ip}/`), 'hello from web\n');
      assert.equal(await httpGet(`http://127.0.0.1:${HOST_PORT}/`).catch(() => 'unreachable'), 'hello from web\n');
      console.log(`timings: sandbox ${sandboxMs} ms, 2 containers create+start ${startMs} ms, page via exec after ${readyMs} ms`);

      const status = await rt.containerStatus(webId);
      assert.equal(status?.state, 'running');
      assert.ok(status?.pid && status.pid > 0);

      const other = await rt.createSandbox({ podUid: `${uid}-b`, podName: 'other', namespace: 'default' });
      assert.notEqual(other.ip, sandbox.ip);

      // Adoption: a new runtime object over the same root sees the same running containers.
      const again = await ConmonRuntime.create({ root: join(ROOT, 'rt'), images, network, ociRuntime: OCI, cgroupParent: CGROUP_PARENT });
      const listed = await again.listContainers();
      assert.deepEqual(
        listed
          .filter((c) => c.podUid === uid)
          .map((c) => [c.name, c.status.state])
          .sort(),
        [
          ['sidecar', 'running'],
          ['web', 'running'],
        ],
      );
      assert.equal((await again.listSandboxes()).length, 2);

      // busybox sh as PID 1 ignores SIGTERM, so this also checks the fallback to SIGKILL.
      t = Date.now();
      await again.stopContainer(sideId, 1);
      const stopped = await again.containerStatus(sideId);
      assert.equal(stopped?.state, 'exited');
      assert.equal(stopped?.exitCode, 137);
      assert.ok(Date.now() - t >= 900);
      await again.stopContainer(webId, 0);
      for (const id of ids) await again.removeContainer(id);
      await again.removeSandbox(uid);
      await again.removeSandbox(`${uid}-b`);
      await again.removeSandbox(uid); // idempotent
      await assert.rejects(httpGet(`http://${sandbox.ip}/`));
    });

    test('exit codes, exec streams and OOM kill', async () => {
      const uid = `pod-${randomBytes(4).toString('hex')}`;
      await rt.createSandbox({ podUid: uid, podName: 'codes', namespace: 'default' });
      const fail = await rt.createContainer({ podUid: uid, name: 'fail', image: 'busybox', command: ['sh', '-c', 'echo out; echo err >&2; exit 1'] });
      await rt.startContainer(fail);
      const st = await until(
        async () => {
          const s = await rt.containerStatus(fail);
          return s?.state === 'exited' ? s : undefined;
        },
        5000,
        'exit',
      );
      assert.equal(st.exitCode, 1);
      assert.equal(st.oomKilled, false);
      assert.ok(st.finishedAt);
      const log = await readFile(rt.logPath(fail), 'utf8');
      assert.match(log, /^\S+ stdout F out$/m);
      assert.match(log, /^\S+ stderr F err$/m);

      const sleeper = await rt.createContainer({
        podUid: uid,
        name: 'sleeper',
        image: 'busybox',
        command: ['sleep', '1000'],
        env: [{ name: 'GREETING', value: 'hi' }],
      });
      assert.equal((await rt.containerStatus(sleeper))?.state, 'created');
      await rt.startContainer(sleeper);
      const out = new PassThrough();
      const err = new PassThrough();
      const input = new PassThrough();
      let o = '';
      let e = '';
      out.on('data', (b: Buffer) => (o += b.toString()));
      err.on('data', (b: Buffer) => (e += b.toString()));
      input.end('from-stdin');
      const code = await rt.exec(sleeper, ['sh', '-c', 'cat; echo " $GREETING"; echo oops >&2; exit 42'], { stdin: input, stdout: out, stderr: err });
      assert.equal(code, 42);
      assert.equal(o, 'from-stdin hi\n');
      assert.equal(e, 'oops\n');
      let tty = '';
      const ttyOut = new PassThrough().on('data', (b: Buffer) => (tty += b.toString()));
      assert.equal(await rt.exec(sleeper, ['sh', '-c', 'test -t 0 && echo is-a-tty'], { stdout: ttyOut, tty: true }), 0);
      assert.match(tty, /is-a-tty/);

      const hog = await rt.createContainer({
        podUid: uid,
        name: 'hog',
        image: 'busybox',
        resources: { memoryLimitBytes: 32 * 1024 * 1024 },
        command: ['sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived'],
      });
      await rt.startContainer(hog);
      const oom = await until(
        async () => {
          const s = await rt.containerStatus(hog);
          return s?.state === 'exited' ? s : undefined;
        },
        20_000,
        'oom kill',
      );
      assert.equal(oom.exitCode, 137);
      assert.equal(oom.oomKilled, true);

      for (const id of [fail, sleeper, hog]) await rt.removeContainer(id);
      await rt.removeSandbox(uid);
      assert.deepEqual(
        (await rt.listContainers()).map((c) => c.id),
        [],
      );
    });
  });
