// A node's kubelet stats endpoint alone, in its own process so the benchmark reads its CPU apart
// from the client's: `hollow` = the hollow runtime's simulated usage; `cgroup` = the cgroup reader
// over a v1 cgroup tree of the same shape written to a temp dir (real file reads, no root needed).
// Prints {"port":N} on stdout; exits when stdin closes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HollowRuntime } from '../../src/agent/hollow/index.ts';
import { cgroupUsageSource, createStatsProvider, runtimeStatsProvider, type StatsProvider } from '../../src/agent/metrics/index.ts';
import { startAgentServer } from '../../src/agent/server/index.ts';
import { ensurePki } from '../../src/util/tls/index.ts';

const [mode = 'hollow', podsArg = '110'] = process.argv.slice(2);
const pods = Number(podsArg);
const dir = mkdtempSync(join(tmpdir(), 'peapod-bench-stats-'));
const runtime = new HollowRuntime({ podCidr: '10.42.0.0/16' });
for (let i = 0; i < pods; i++) {
  await runtime.createSandbox({ podUid: `uid-${i}`, podName: `pod-${i}`, namespace: 'bench' });
  const id = await runtime.createContainer({ podUid: `uid-${i}`, name: 'app', image: 'busybox' });
  await runtime.startContainer(id);
}

let stats: StatsProvider;
if (mode === 'cgroup') {
  const root = join(dir, 'cgroup');
  const write = (path: string, text: string): void => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  // kubelet-sized memory.stat (35 lines) so parsing costs what it would on a node.
  const memStat = Array.from({ length: 33 }, (_, k) => `stat_${k} ${k * 4096}`).join('\n') + '\ntotal_inactive_file 1048576\ntotal_rss 8388608\n';
  for (const c of await runtime.listContainers()) {
    for (const p of [c.podUid, `${c.podUid}/${c.id}`]) {
      write(`cpuacct/peapod/${p}/cpuacct.usage`, '123456789000\n');
      write(`memory/peapod/${p}/memory.usage_in_bytes`, '16777216\n');
      write(`memory/peapod/${p}/memory.stat`, memStat);
    }
  }
  const containers = async () =>
    (await runtime.listContainers()).map((c) => ({ id: c.id, podUid: c.podUid, name: c.name, startedAt: c.status.startedAt ?? '', labels: c.labels }));
  stats = createStatsProvider({
    nodeName: 'bench',
    source: cgroupUsageSource({ cgroupParent: '/peapod', layout: { kind: 'v1', cpuacct: join(root, 'cpuacct'), memory: join(root, 'memory') } }),
    pods: async () => (await runtime.listSandboxes()).map((s) => ({ uid: s.podUid, name: s.podName, namespace: s.namespace, createdAt: s.createdAt })),
    containers,
    minWindowMs: 0,
  });
} else {
  stats = runtimeStatsProvider({ nodeName: 'bench', runtime });
}

const pki = await ensurePki(join(dir, 'pki'), { hosts: ['127.0.0.1'] });
const server = await startAgentServer({
  host: '127.0.0.1',
  port: 0,
  tls: { cert: pki.serverCert, key: pki.serverKey },
  authenticate: (h) => h === 'Bearer bench',
  stats,
  backend: { findContainer: async () => undefined, exec: async () => 1, podNetwork: () => undefined },
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().finally(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
});
