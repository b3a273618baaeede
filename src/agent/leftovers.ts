// Removing what dead agents left on this machine, for tools that run agents as throw-away nodes
// (the dev cluster, tests). The layout knowledge stays here, beside the agent that makes it: an
// agent's OCI runtime state is `<data dir>/rt/runtime`, its pods' cgroups `/peapod/<node name>`,
// its pod networks are found by `network/sweep.ts` under the data dir.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../util/index.ts';
import { sweep } from './network/index.ts';
import { removeCgroupTree } from './runtime/sandbox.ts';

const OCI_RUNTIMES = ['/usr/sbin/runc', '/usr/bin/crun'];
const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * Deletes the OCI runtime's containers of the agent whose `--data-dir` was `agentDataDir` (its
 * processes must be dead already). Idempotent; missing state is fine.
 */
export async function removeAgentRuntimeState(agentDataDir: string): Promise<void> {
  const runtimeRoot = join(agentDataDir, 'rt', 'runtime');
  for (const id of await readdir(runtimeRoot).catch(() => [])) {
    for (const rt of OCI_RUNTIMES.filter((p) => existsSync(p))) await runCommand(rt, ['--root', runtimeRoot, 'delete', '--force', id], { allowFailure: true });
  }
}

/** Pod network leftovers (netns, mounts, CNI state) of every agent whose data dir is under `dir`. */
export async function removePodNetworksUnder(dir: string): Promise<void> {
  await sweep({ pathPrefix: dir });
}

/**
 * Removes the pod cgroups `/peapod/<node>` of every node whose name starts with `nodePrefix`, in
 * every hierarchy; returns the node names found.
 */
export async function removeNodeCgroups(nodePrefix: string): Promise<string[]> {
  const names = new Set<string>();
  const hierarchies = [CGROUP_ROOT, ...(await readdir(CGROUP_ROOT).catch(() => [])).map((h) => join(CGROUP_ROOT, h))];
  for (const h of hierarchies) {
    for (const n of await readdir(join(h, 'peapod')).catch(() => [])) if (n.startsWith(nodePrefix)) names.add(n);
  }
  for (const n of names) await removeCgroupTree(`/peapod/${n}`);
  return [...names];
}
