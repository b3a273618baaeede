// podman as the benchmark peer: `podman kube play` of the same pods, from the same busybox image,
// on its own bridge network. Isolated config and storage under a temp dir (settings from
// shared/notes/runtime-on-this-machine.md §5: cgroupfs, file events, runc, ulimits within the
// host's hard limits, ENV PATH in the imported image, imagePullPolicy Never).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildBusyboxRootfs } from '../../src/agent/images/busybox.ts';
import { onCleanup } from '../lib/cleanup.ts';

export const PODMAN_IMAGE = 'localhost/busybox:latest';

export interface PodmanPeer {
  readonly version: string;
  /** Runs `podman kube play` of `yaml`; resolves with its wall time in ms (containers are running then). */
  play(yaml: string): Promise<number>;
  /** Removes the pod at once (no grace). */
  remove(podName: string): Promise<void>;
  close(): Promise<void>;
}

/** Why podman cannot run here, or undefined. */
export function podmanUnavailable(): string | undefined {
  const v = spawnSync('podman', ['--version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return 'podman is not installed (apt-get install podman catatonit)';
  if (!['/usr/bin/catatonit', '/usr/libexec/podman/catatonit'].some((p) => existsSync(p)))
    return 'catatonit is missing: podman builds its pause image from it (apt-get install catatonit)';
  return undefined;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv, input?: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', args, { env, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    if (input && child.stdin) input.pipe(child.stdin);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`podman ${args.join(' ')} exited with ${code}: ${err.trim() || out.trim()}`))));
  });
}

/**
 * Sets podman up under `dir` with a bridge network on `subnet`, and imports the busybox image
 * (the same rootfs Peapod's image store builds). Everything is removed by close() or at cleanup,
 * including the default-path state netavark creates even with a custom config, when it was not
 * there before.
 */
export async function startPodman(dir: string, subnet: string, network: string): Promise<PodmanPeer> {
  const preexisting = ['/run/containers', '/var/lib/containers'].filter((p) => existsSync(p));
  await mkdir(join(dir, 'tmp'), { recursive: true });
  await writeFile(
    join(dir, 'containers.conf'),
    [
      '[containers]',
      'default_ulimits = ["nofile=20000:20000","nproc=32768:32768"]',
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      'runtime = "runc"',
      `tmp_dir = "${dir}/tmp"`,
      '[network]',
      `network_config_dir = "${dir}/net"`,
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, 'storage.conf'), ['[storage]', 'driver = "overlay"', `graphroot = "${dir}/graph"`, `runroot = "${dir}/run"`, ''].join('\n'));
  const env = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf') };
  const version = (await run(['--version'], env)).trim().replace(/^podman version /, '');

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await run(['pod', 'rm', '--all', '--force', '--time', '0'], env).catch(() => undefined);
    await run(['rm', '--all', '--force', '--time', '0'], env).catch(() => undefined);
    await run(['network', 'rm', '--force', network], env).catch(() => undefined);
    await run(['system', 'reset', '--force'], env).catch(() => undefined);
    spawnSync('umount', ['-R', join(dir, 'graph', 'overlay')], { stdio: 'ignore' });
    spawnSync('umount', ['-R', join(dir, 'run')], { stdio: 'ignore' });
    await rm(dir, { recursive: true, force: true });
    for (const p of ['/run/containers', '/var/lib/containers']) if (!preexisting.includes(p)) await rm(p, { recursive: true, force: true });
  };
  onCleanup(close, () => undefined);

  const rootfs = join(dir, 'rootfs');
  await buildBusyboxRootfs(rootfs);
  const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await run(
    ['import', '--change', 'CMD ["sh"]', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '-', PODMAN_IMAGE],
    env,
    tar.stdout,
  );
  await run(['network', 'create', '--subnet', subnet, '--disable-dns', network], env);

  return {
    version,
    async play(yaml) {
      const file = join(dir, 'pod.yaml');
      await writeFile(file, yaml);
      const t0 = performance.now();
      await run(['kube', 'play', '--network', network, file], env);
      return performance.now() - t0;
    },
    async remove(podName) {
      await run(['pod', 'rm', '--force', '--time', '0', podName], env);
    },
    close,
  };
}
