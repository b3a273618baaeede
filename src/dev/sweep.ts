// Removing what a dev cluster made, also after a crashed run that left no record but the names.
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { removeAgentRuntimeState, removeNodeCgroups, removePodNetworksUnder } from '../agent/index.ts';
import { killEtcdUnder } from '../storage/etcd/etcd-process.ts';
import { processExists, runCommand } from '../util/index.ts';
import { PREFIX, ROUTE_PROTO, netnsPids } from './lan.ts';
import { isPeapodServer, killQuietly, waitUntil } from './processes.ts';
import { STATE_FILE, readState } from './state-file.ts';

/**
 * Removes everything a dev cluster makes: processes in `ppdc-*` netns (hosts) and the recorded
 * server, containers' runtime state, mounts under the data dir, `ppdc-*` netns and links, routes
 * with ROUTE_PROTO, cgroups /peapod/ppdc-*, the data dir and the state file. Never touches a live
 * owner's cluster (other than the caller's own). Returns what it found, for a message.
 */
export async function sweepDevCluster(opts: { dataDir?: string } = {}): Promise<string[]> {
  const found: string[] = [];
  // A process that outlives SIGKILL is reported after the rest is removed, not ignored.
  const problems: string[] = [];
  const owner = await readState();
  if (owner && owner.pid !== process.pid && processExists(owner.pid)) throw new Error(`a dev cluster is running (pid ${owner.pid}); stop it first`);
  const namespaces = (await runCommand('ip', ['netns', 'list'], { allowFailure: true })).stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(PREFIX));
  for (const ns of namespaces) {
    const pids = await netnsPids(ns);
    for (const pid of pids) killQuietly(pid);
    if (pids.length)
      await waitUntil(`every process in netns ${ns} to exit`, async () => (await netnsPids(ns)).length === 0, 10_000).catch((e: Error) =>
        problems.push(e.message),
      );
  }
  for (const pid of [owner?.serverPid ?? 0, ...(owner?.serverPids ?? [])]) {
    if (!pid || !isPeapodServer(pid)) continue;
    found.push(`server pid ${pid}`);
    killQuietly(pid);
    await waitUntil(`server pid ${pid} to exit`, async () => !processExists(pid), 10_000).catch((e: Error) => problems.push(e.message));
  }
  const dataDirs = [...new Set([opts.dataDir, owner?.dataDir].filter((d): d is string => !!d))];
  for (const dir of dataDirs) {
    const etcdPids = killEtcdUnder(join(dir, 'etcd'));
    if (etcdPids.length) found.push(`etcd pids ${etcdPids.join(' ')}`);
    for (const node of await readdir(dir).catch(() => [])) {
      if (node.startsWith(PREFIX)) await removeAgentRuntimeState(join(dir, node, 'agent'));
    }
    if (existsSync(dir)) found.push(dir);
    await removePodNetworksUnder(dir);
  }
  for (const ns of namespaces) {
    found.push(`netns ${ns}`);
    await runCommand('ip', ['netns', 'del', ns], { allowFailure: true });
  }
  const links = (await runCommand('ip', ['-o', 'link', 'show'], { allowFailure: true })).stdout
    .split('\n')
    .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
    .filter((n) => n.startsWith(PREFIX));
  for (const l of links) {
    found.push(`link ${l}`);
    await runCommand('ip', ['link', 'del', l], { allowFailure: true });
  }
  const routes = (await runCommand('ip', ['-4', 'route', 'show', 'proto', ROUTE_PROTO], { allowFailure: true })).stdout.split('\n').filter(Boolean);
  for (const r of routes) {
    found.push(`route ${r.trim()}`);
    await runCommand('ip', ['route', 'del', ...r.trim().split(/\s+/), 'proto', ROUTE_PROTO], { allowFailure: true });
  }
  for (const cg of await removeNodeCgroups(PREFIX)) found.push(`cgroup /peapod/${cg}`);
  await rm(STATE_FILE, { force: true });
  if (problems.length) throw new Error(`dev cluster sweep incomplete: ${problems.join('; ')}`);
  return found;
}
