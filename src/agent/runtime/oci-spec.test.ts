import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES, capabilitiesFromMask } from './capabilities.ts';
import { buildOciSpec, cpuResources, processArgs, type OciSpecInput } from './oci-spec.ts';
import type { Sandbox } from './types.ts';
import { resolveUser } from './user.ts';

const sandbox: Sandbox = {
  podUid: 'uid-1',
  podName: 'web',
  namespace: 'default',
  hostname: 'web',
  ip: '10.42.0.5',
  netnsPath: '/s/netns/uid-1',
  ipcnsPath: '/s/pods/uid-1/ns-ipc',
  utsnsPath: '/s/pods/uid-1/ns-uts',
  shmPath: '/s/pods/uid-1/shm',
  hostsPath: '/s/pods/uid-1/hosts',
  resolvConfPath: '/s/pods/uid-1/resolv.conf',
  hostnamePath: '/s/pods/uid-1/hostname',
  createdAt: '2026-01-01T00:00:00Z',
};
// This host's bounding set: everything but CAP_SYS_RESOURCE.
const hostCaps = capabilitiesFromMask('000001fffeffffff');

function input(over: Partial<OciSpecInput['spec']> = {}, image: OciSpecInput['image'] = { cmd: ['sh'] }): OciSpecInput {
  return {
    spec: { podUid: 'uid-1', name: 'c1', image: 'busybox', ...over },
    sandbox,
    image,
    user: { uid: 0, gid: 0 },
    rootfsPath: '/s/c/rootfs',
    cgroupsPath: '/peapod/uid-1/abc',
    hostCapabilities: hostCaps,
    nofileHardLimit: 20000,
  };
}

describe('OCI spec', () => {
  test('command/args vs image entrypoint/cmd follow Kubernetes', () => {
    const image = { entrypoint: ['/ep'], cmd: ['--default'] };
    assert.deepEqual(processArgs({}, image), ['/ep', '--default']);
    assert.deepEqual(processArgs({ args: ['x'] }, image), ['/ep', 'x']);
    assert.deepEqual(processArgs({ command: ['/bin/sh'] }, image), ['/bin/sh']);
    assert.deepEqual(processArgs({ command: ['/bin/sh'], args: ['-c', 'true'] }, image), ['/bin/sh', '-c', 'true']);
    assert.throws(() => processArgs({}, {}), /no command specified/);
  });

  test('joins the pod namespaces by path, owns mount and pid, hostname is the pod name', () => {
    const s = buildOciSpec(input());
    assert.deepEqual(s.linux.namespaces, [
      { type: 'network', path: sandbox.netnsPath },
      { type: 'ipc', path: sandbox.ipcnsPath },
      { type: 'uts', path: sandbox.utsnsPath },
      { type: 'mount' },
      { type: 'pid' },
    ]);
    assert.equal(s.hostname, 'web');
    assert.equal(s.linux.cgroupsPath, '/peapod/uid-1/abc');
    assert.equal(s.process.oomScoreAdj, 0);
    assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }]);
  });

  test('env merges image env, container env wins; cwd from spec, image, else /', () => {
    const s = buildOciSpec(input({ env: [{ name: 'A', value: 'spec' }], workingDir: '' }, { cmd: ['sh'], env: ['A=image', 'B=image'], workingDir: '/app' }));
    assert.ok(s.process.env.includes('A=spec'));
    assert.ok(s.process.env.includes('B=image'));
    assert.ok(s.process.env.includes('HOSTNAME=web'));
    assert.ok(s.process.env.some((e) => e.startsWith('PATH=')));
    assert.equal(s.process.cwd, '/app');
    assert.equal(buildOciSpec(input()).process.cwd, '/');
  });

  test('mounts: pod files, shared shm, ro sysfs, volumes with readOnly; a volume can replace a default', () => {
    const s = buildOciSpec(
      input({
        mounts: [
          { containerPath: '/data', hostPath: '/v/data', readOnly: true },
          { containerPath: '/etc/hosts', hostPath: '/v/hosts' },
        ],
      }),
    );
    const by = (d: string) => s.mounts.find((m) => m.destination === d);
    assert.equal(by('/dev/shm')?.source, sandbox.shmPath);
    assert.equal(by('/etc/resolv.conf')?.source, sandbox.resolvConfPath);
    assert.equal(by('/etc/hostname')?.source, sandbox.hostnamePath);
    assert.ok(by('/sys')?.options.includes('ro'));
    assert.ok(by('/data')?.options.includes('ro'));
    assert.equal(by('/etc/hosts')?.source, '/v/hosts');
    assert.equal(s.mounts.filter((m) => m.destination === '/etc/hosts').length, 1);
  });

  test('capabilities: docker default, add/drop, ALL, privileged limited to the host bounding set', () => {
    assert.deepEqual(buildOciSpec(input()).process.capabilities.bounding.sort(), [...DEFAULT_CAPABILITIES].sort());
    const s = buildOciSpec(input({ security: { capabilities: { add: ['NET_ADMIN'], drop: ['KILL'] } } }));
    assert.ok(s.process.capabilities.effective.includes('CAP_NET_ADMIN'));
    assert.ok(!s.process.capabilities.effective.includes('CAP_KILL'));
    const none = buildOciSpec(input({ security: { capabilities: { drop: ['ALL'], add: ['CHOWN'] } } }));
    assert.deepEqual(none.process.capabilities.bounding, ['CAP_CHOWN']);
    const priv = buildOciSpec(input({ security: { privileged: true } }));
    assert.equal(priv.process.capabilities.bounding.length, ALL_CAPABILITIES.length - 1);
    assert.ok(!priv.process.capabilities.bounding.includes('CAP_SYS_RESOURCE'));
    assert.deepEqual(priv.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
    assert.equal(priv.linux.maskedPaths, undefined);
    assert.ok(buildOciSpec(input()).linux.maskedPaths?.includes('/proc/kcore'));
  });

  test('readOnlyRootFilesystem, allowPrivilegeEscalation=false, tty', () => {
    const s = buildOciSpec(input({ tty: true, security: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } }));
    assert.equal(s.root.readonly, true);
    assert.equal(s.process.noNewPrivileges, true);
    assert.equal(s.process.terminal, true);
  });

  test('resources: memory limit with no swap, CPU quota from limit and shares from request, pids, oom adj clamped', () => {
    const s = buildOciSpec(input({ resources: { memoryLimitBytes: 64 << 20, cpuLimitMilli: 500, cpuRequestMilli: 250, pidsLimit: 100, oomScoreAdj: -997 } }));
    assert.deepEqual(s.linux.resources.memory, { limit: 64 << 20, swap: 64 << 20 });
    assert.deepEqual(s.linux.resources.cpu, { shares: 256, quota: 50000, period: 100000 });
    assert.deepEqual(s.linux.resources.pids, { limit: 100 });
    assert.equal(s.process.oomScoreAdj, 0);
    assert.deepEqual(cpuResources(undefined, undefined), { shares: 2 });
    assert.deepEqual(cpuResources(1000, undefined), { shares: 1024, quota: 100000, period: 100000 });
  });

  test('user: runAsUser/runAsGroup override the image user; names resolve through the image passwd', () => {
    const files = { passwd: 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n', group: 'root:x:0:\nstaff:x:50:\n' };
    assert.deepEqual(resolveUser({ imageUser: 'app' }, files), { uid: 1000, gid: 1001 });
    assert.deepEqual(resolveUser({ imageUser: 'app:staff' }, files), { uid: 1000, gid: 50 });
    assert.deepEqual(resolveUser({ imageUser: '1000' }, files), { uid: 1000, gid: 1001 });
    assert.deepEqual(resolveUser({ imageUser: 'app', runAsUser: 7, runAsGroup: 8, supplementalGroups: [9] }, files), { uid: 7, gid: 8, additionalGids: [9] });
    assert.deepEqual(resolveUser({ runAsUser: 1234 }, files), { uid: 1234, gid: 0 });
    assert.throws(() => resolveUser({ imageUser: 'ghost' }, files), /unable to find user ghost/);
  });
});
