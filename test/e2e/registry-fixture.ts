// A real registry for image tests: Debian's `docker-registry` on 127.0.0.1 with a config written
// here (never the package's default config), optionally behind htpasswd auth, plus test images
// built from busybox-static as OCI layouts and pushed with skopeo (a real client).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBusyboxRootfs } from '../../src/agent/images/busybox.ts';
import { processExists } from '../../src/util/index.ts';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** Why registry tests cannot run here, or false. */
export function registrySkipReason(): string | false {
  const missing = [REGISTRY_BIN, '/usr/bin/skopeo', '/usr/bin/htpasswd', '/bin/busybox'].filter((p) => !existsSync(p));
  return missing.length ? `needs ${missing.join(', ')} (bash scripts/install-deps.sh installs them)` : false;
}

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  /** Everything the registry logged (its access log lists each request). */
  log(): string;
  /** How many GETs of this blob the registry served. */
  blobGets(digest: string): number;
  /** Stops the process (the storage stays, so start() serves the same images again). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops and removes the storage. */
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

/** Stops registries (and removes their storage) left by test runs that crashed. */
export async function sweepCrashedRegistries(): Promise<void> {
  for (const d of (await readdir(tmpdir()).catch(() => [])).filter((n) => n.startsWith('peapod-registry-'))) {
    const dir = join(tmpdir(), d);
    const owner = JSON.parse(await readFile(join(dir, 'owner.json'), 'utf8').catch(() => '{}')) as { pid?: number; registryPid?: number };
    if (!owner.pid || processExists(owner.pid)) continue;
    if (owner.registryPid && processExists(owner.registryPid)) {
      const cmd = await readFile(`/proc/${owner.registryPid}/cmdline`, 'utf8').catch(() => '');
      if (cmd.includes(REGISTRY_BIN) && cmd.includes(dir)) process.kill(owner.registryPid, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  }
}

export async function startRegistry(opts: { auth?: { user: string; password: string } } = {}): Promise<TestRegistry> {
  await sweepCrashedRegistries();
  const dir = await mkdtemp(join(tmpdir(), 'peapod-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let auth = '';
  if (opts.auth) {
    const line = execFileSync('htpasswd', ['-Bbn', opts.auth.user, opts.auth.password], { encoding: 'utf8' }).trim();
    await writeFile(join(dir, 'htpasswd'), `${line}\n`);
    auth = `auth:\n  htpasswd:\n    realm: peapod-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const config = `version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n${auth}`;
  await writeFile(join(dir, 'config.yml'), config);
  let proc: ChildProcess | undefined;
  let out = '';
  const start = async (): Promise<void> => {
    const p = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    await writeFile(join(dir, 'owner.json'), JSON.stringify({ pid: process.pid, registryPid: p.pid }));
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 200; i++) {
      if (p.exitCode !== null) throw new Error(`docker-registry exited: ${out}`);
      const ok = await fetch(`http://${host}/v2/`).then(
        (r) => r.status === 200 || r.status === 401,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`docker-registry did not answer on ${host}: ${out}`);
  };
  const stop = async (): Promise<void> => {
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      await exited;
    }
  };
  await start();
  return {
    host,
    log: () => out,
    blobGets: (digest) => out.split('\n').filter((l) => l.includes(`"GET /v2/`) && l.includes(`/blobs/${digest} `) && / 200 /.test(l)).length,
    start,
    stop,
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface LayerSpec {
  /** path → file content; a `.wh.<name>` entry deletes <name> from lower layers. */
  files?: Record<string, string | Buffer>;
  /** Adds a complete busybox root filesystem (the base layer). */
  busybox?: boolean;
  /** Paths among `files` written executable (0755). */
  executable?: string[];
}

export interface ImageSpec {
  layers: LayerSpec[];
  config: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string; User?: string; StopSignal?: string };
  /** Also index an image for another architecture (its config sets PLATFORM=<arch>). */
  otherPlatform?: string;
}

interface Blob {
  digest: string;
  size: number;
}

function sha(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

export function hostArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

/**
 * Writes an OCI image layout for `spec` under `dir` and returns its path. The image for this
 * machine has Env PLATFORM=<this arch>; with otherPlatform the layout holds an index of both.
 */
export async function buildImageLayout(dir: string, spec: ImageSpec): Promise<string> {
  const layout = join(dir, `layout-${Math.random().toString(36).slice(2, 8)}`);
  const blobs = join(layout, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (b: Buffer): Promise<Blob> => {
    const digest = sha(b);
    await writeFile(join(blobs, digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const layers: Blob[] = [];
  const diffIds: string[] = [];
  for (const [i, l] of spec.layers.entries()) {
    const root = join(layout, `rootfs-${i}`);
    await mkdir(root, { recursive: true });
    if (l.busybox) await buildBusyboxRootfs(root);
    for (const [path, content] of Object.entries(l.files ?? {})) {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), content, { mode: l.executable?.includes(path) ? 0o755 : 0o644 });
    }
    const tar = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', '-C', root, '.'], {
      maxBuffer: 1 << 30,
    });
    diffIds.push(sha(tar));
    layers.push(await put(execFileSync('gzip', ['-n', '-c'], { input: tar, maxBuffer: 1 << 30 })));
    await rm(root, { recursive: true, force: true });
  }
  const manifestFor = async (arch: string): Promise<Blob> => {
    const env = [...(spec.config.Env ?? ['PATH=/usr/sbin:/usr/bin:/sbin:/bin']), `PLATFORM=${arch}`];
    const config = await put(
      Buffer.from(
        JSON.stringify({
          architecture: arch,
          os: 'linux',
          config: { ...spec.config, Env: env },
          rootfs: { type: 'layers', diff_ids: diffIds },
        }),
      ),
    );
    return put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l })),
        }),
      ),
    );
  };
  const mine = await manifestFor(hostArch());
  let top: Blob & { mediaType: string } = { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...mine };
  if (spec.otherPlatform) {
    const other = await manifestFor(spec.otherPlatform);
    const index = await put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [
            { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...other, platform: { os: 'linux', architecture: spec.otherPlatform } },
            { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...mine, platform: { os: 'linux', architecture: hostArch() } },
          ],
        }),
      ),
    );
    top = { mediaType: 'application/vnd.oci.image.index.v1+json', ...index };
  }
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': 'img' } }] }),
  );
  return layout;
}

/** `skopeo copy` of the layout to `docker://<dest>` over plain HTTP; returns the manifest digest pushed. */
export function pushLayout(layout: string, dest: string, opts: { creds?: string } = {}): string {
  const digestFile = join(layout, 'pushed-digest');
  const args = [
    'copy',
    '--all',
    '--dest-tls-verify=false',
    '--digestfile',
    digestFile,
    ...(opts.creds ? ['--dest-creds', opts.creds] : []),
    `oci:${layout}:img`,
    `docker://${dest}`,
  ];
  const r = spawnSync('skopeo', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`skopeo ${args.join(' ')} failed: ${r.stderr}`);
  return execFileSync('cat', [digestFile], { encoding: 'utf8' }).trim();
}

/** Layer blob digests of a layout's image for this machine (for access-log assertions). */
export function layoutBlobs(layout: string): string[] {
  return execFileSync('ls', [join(layout, 'blobs', 'sha256')], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((h) => `sha256:${h}`);
}
