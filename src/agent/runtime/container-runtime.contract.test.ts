// The ContainerRuntime contract against the hollow runtime (always) and the conmon runtime (root,
// real containers: runc, conmon, CNI). The conmon run keeps its state, bridge and cgroups under a
// tag of its own and removes them afterwards, also those of a crashed earlier run.
import { after, before } from 'node:test';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HollowRuntime } from '../hollow/index.ts';
import { ImageStore } from '../images/index.ts';
import { PodNetwork, sweep } from '../network/index.ts';
import { ConmonRuntime } from './conmon-runtime.ts';
import { describeContainerRuntime } from './container-runtime.contract.ts';
import { removeCgroupTree } from './sandbox.ts';
import { skipUnlessCI } from '../../../test/skip-unless-ci.ts';

describeContainerRuntime('hollow', () => ({ runtime: new HollowRuntime({ podCidr: '10.77.9.0/24' }), ipPrefix: '10.77.9.', image: 'busybox' }));

const skip = skipUnlessCI(
  process.getuid?.() !== 0
    ? 'needs root (real containers)'
    : !['/usr/bin/conmon', '/usr/sbin/runc', '/usr/lib/cni/bridge', '/bin/busybox'].every((p) => existsSync(p))
      ? 'needs conmon, runc, containernetworking-plugins, busybox-static'
      : false,
);

if (!skip) {
  const BASE = join(tmpdir(), 'peapod-rt-contract');
  const TAG = `ppd-c${randomBytes(3).toString('hex')}`;
  const ROOT = join(BASE, TAG);
  const OCTET = 150 + (randomBytes(1)[0]! % 50);
  let network: PodNetwork | undefined;
  let rt: ConmonRuntime | undefined;

  const removeRun = async (tag: string): Promise<void> => {
    const runtimeRoot = join(BASE, tag, 'rt', 'runtime');
    for (const id of await readdir(runtimeRoot).catch(() => []))
      spawnSync('/usr/sbin/runc', ['--root', runtimeRoot, 'delete', '--force', id], { stdio: 'ignore' });
    await sweep({ pathPrefix: join(BASE, tag), linkPrefix: tag, networkNamePrefix: `peapod-${tag}` });
    await removeCgroupTree(`/${tag}`);
    await rm(join(BASE, tag), { recursive: true, force: true });
  };

  before(async () => {
    for (const d of await readdir(BASE).catch(() => [])) {
      const pid = Number(await readFile(join(BASE, d, 'owner.pid'), 'utf8').catch(() => '0'));
      let alive = false;
      try {
        alive = pid > 0 && process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (!alive) await removeRun(d);
    }
    await mkdir(ROOT, { recursive: true });
    await writeFile(join(ROOT, 'owner.pid'), String(process.pid));
    const images = new ImageStore({ dataDir: join(ROOT, 'images') });
    await images.ensureBusyboxImage();
    network = new PodNetwork({ stateDir: join(ROOT, 'net'), bridge: TAG, subnet: `10.42.${OCTET}.0/24` });
    rt = await ConmonRuntime.create({ root: join(ROOT, 'rt'), images, network, ociRuntime: 'runc', cgroupParent: `/${TAG}` });
  });

  after(async () => {
    if (rt) {
      for (const c of await rt.listContainers()) await rt.removeContainer(c.id);
      for (const s of await rt.listSandboxes()) await rt.removeSandbox(s.podUid);
    }
    await network?.destroy();
    await removeRun(TAG);
  });

  describeContainerRuntime('conmon', () => ({ runtime: rt!, ipPrefix: `10.42.${OCTET}.`, image: 'docker.io/library/busybox:1.36' }));
}
