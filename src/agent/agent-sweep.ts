import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PodNetwork } from './network/index.ts';
import type { ContainerRuntime } from './runtime/index.ts';

export interface SweepStaleOptions {
  /** The agent's state dir (boot-id file). */
  stateDir: string;
  /** The runtime's root: `pods/<uid>/`, `containers/<id>/`. */
  runtimeRoot: string;
  runtime: ContainerRuntime;
  network: PodNetwork;
  /** Import scratch space of the image store, left behind by an interrupted import. */
  imageTmpDir: string;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/**
 * Runs once at agent start, before adoption, and removes what a crashed previous run left half
 * done; complete sandboxes and containers are left for the pod workers to adopt.
 * - After a reboot (boot id changed) nothing of the old runtime state is alive: conmon, namespaces
 *   and mounts are gone, so every container and sandbox is removed and the pods start afresh.
 * - A pod dir without `sandbox.json` is a sandbox whose creation was interrupted.
 * - A network (netns or CNI result) no sandbox uses leaks an IP (pool networks included); a container dir without
 *   `meta.json` was interrupted during creation.
 * Best effort: each failure is logged and the sweep goes on.
 */
export async function sweepStaleState(opts: SweepStaleOptions): Promise<void> {
  const { runtime, network, log } = opts;
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      log('agent: stale state cleanup failed', { what, error: e instanceof Error ? e.message : String(e) });
    }
  };
  await rm(opts.imageTmpDir, { recursive: true, force: true }).catch(() => undefined);

  const bootIdPath = join(opts.stateDir, 'boot-id');
  const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
  const savedBootId = (await readFile(bootIdPath, 'utf8').catch(() => '')).trim();
  if (savedBootId && bootId && savedBootId !== bootId) {
    log('agent: the machine rebooted since the last run; removing its containers and sandboxes');
    for (const c of await runtime.listContainers()) await attempt(`container ${c.id}`, () => runtime.removeContainer(c.id));
    for (const s of await runtime.listSandboxes()) await attempt(`sandbox ${s.podUid}`, () => runtime.removeSandbox(s.podUid));
  }
  if (bootId) await writeFile(bootIdPath, `${bootId}\n`);

  const podsDir = join(opts.runtimeRoot, 'pods');
  const sandboxes = await runtime.listSandboxes();
  const complete = new Set(sandboxes.map((s) => s.podUid));
  for (const uid of await readdir(podsDir).catch(() => [])) {
    if (!complete.has(uid)) await attempt(`partial sandbox ${uid}`, () => runtime.removeSandbox(uid));
  }
  // Networks no complete sandbox uses: of interrupted sandboxes, and the previous run's
  // pre-wired pool (src/agent/network/network-pool.ts), which nobody took.
  const inUse = new Set(sandboxes.map((s) => s.networkId ?? s.podUid));
  const netnsDir = join(network.opts.stateDir, 'netns');
  const networked = new Set([...(await network.listPods()), ...(await readdir(netnsDir).catch(() => []))]);
  for (const id of networked) {
    if (!inUse.has(id)) await attempt(`network ${id}`, () => network.tearDown(id));
  }
  const containersDir = join(opts.runtimeRoot, 'containers');
  for (const id of await readdir(containersDir).catch(() => [])) {
    if (!/^[a-f0-9]+$/.test(id) || existsSync(join(containersDir, id, 'meta.json'))) continue;
    await attempt(`partial container ${id}`, () => runtime.removeContainer(id));
  }
}
