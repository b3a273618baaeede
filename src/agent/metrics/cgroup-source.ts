// Readings from the kernel: pod and container cgroups (v1 — this host's hybrid layout — and the
// unified v2 layout) and the node's totals from /proc. The working set is usage minus inactive
// file pages, as cadvisor computes it (container_memory_working_set_bytes): page cache the kernel
// can drop at once does not count.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRef, PodRef, UsageReading, UsageSource } from './types.ts';

export type CgroupLayout = { kind: 'v1'; cpuacct: string; memory: string } | { kind: 'v2'; root: string };

/** v2 when /sys/fs/cgroup is the unified hierarchy, else the v1 cpuacct and memory mounts. */
export function detectCgroupLayout(root = '/sys/fs/cgroup'): CgroupLayout {
  if (existsSync(join(root, 'cgroup.controllers'))) return { kind: 'v2', root };
  const cpuacct = ['cpuacct', 'cpu,cpuacct', 'cpuacct,cpu'].map((d) => join(root, d)).find((d) => existsSync(join(d, 'cpuacct.usage'))) ?? join(root, 'cpuacct');
  return { kind: 'v1', cpuacct, memory: join(root, 'memory') };
}

/** `key value` lines (memory.stat, cpu.stat, /proc/meminfo without the unit) into a map. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.replace(':', ' ').trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

const read = (path: string): Promise<string | undefined> => readFile(path, 'utf8').catch(() => undefined);

/** One cgroup's reading; undefined when it does not exist (yet or any more). */
export async function readCgroup(layout: CgroupLayout, path: string): Promise<UsageReading | undefined> {
  if (layout.kind === 'v1') {
    const [usage, mem, stat] = await Promise.all([
      read(join(layout.cpuacct, path, 'cpuacct.usage')),
      read(join(layout.memory, path, 'memory.usage_in_bytes')),
      read(join(layout.memory, path, 'memory.stat')),
    ]);
    if (usage === undefined || mem === undefined) return undefined;
    const s = parseKeyValues(stat ?? '');
    const usageBytes = Number(mem.trim());
    // total_* are hierarchical (a pod cgroup includes its containers).
    const inactive = s.get('total_inactive_file') ?? s.get('inactive_file') ?? 0;
    return { cpuNs: Number(usage.trim()), usageBytes, workingSetBytes: Math.max(0, usageBytes - inactive), rssBytes: s.get('total_rss') ?? s.get('rss') };
  }
  const dir = join(layout.root, path);
  const [cpu, current, stat] = await Promise.all([read(join(dir, 'cpu.stat')), read(join(dir, 'memory.current')), read(join(dir, 'memory.stat'))]);
  if (cpu === undefined || current === undefined) return undefined;
  const s = parseKeyValues(stat ?? '');
  const usageBytes = Number(current.trim());
  return {
    cpuNs: (parseKeyValues(cpu).get('usage_usec') ?? 0) * 1000,
    usageBytes,
    workingSetBytes: Math.max(0, usageBytes - (s.get('inactive_file') ?? 0)),
    rssBytes: s.get('anon'),
  };
}

/** USER_HZ: the unit of /proc/stat (100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/** The node: busy CPU time from /proc/stat (all but idle and iowait) and memory from /proc/meminfo. */
export function parseNodeReading(procStat: string, meminfo: string): UsageReading | undefined {
  const cpu = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!cpu) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const f = cpu.trim().split(/\s+/).slice(1).map(Number);
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  const m = parseKeyValues(meminfo);
  const kib = (k: string): number => (m.get(k) ?? 0) * 1024;
  const usageBytes = kib('MemTotal') - kib('MemFree');
  return {
    cpuNs: (busy / USER_HZ) * 1e9,
    usageBytes,
    workingSetBytes: Math.max(0, usageBytes - kib('Inactive(file)')),
    availableBytes: kib('MemAvailable'),
  };
}

export interface CgroupSourceOptions {
  /** The runtime's cgroup parent: pods are `<parent>/<podUid>`, containers `<parent>/<podUid>/<id>`. */
  cgroupParent: string;
  layout?: CgroupLayout;
  /** For tests: where /proc lives. */
  procRoot?: string;
}

export function cgroupUsageSource(opts: CgroupSourceOptions): UsageSource {
  const layout = opts.layout ?? detectCgroupLayout();
  const proc = opts.procRoot ?? '/proc';
  return {
    async node() {
      const [stat, meminfo] = await Promise.all([read(join(proc, 'stat')), read(join(proc, 'meminfo'))]);
      return stat && meminfo ? parseNodeReading(stat, meminfo) : undefined;
    },
    pod: (pod: PodRef) => readCgroup(layout, join(opts.cgroupParent, pod.uid)),
    container: (c: ContainerRef) => readCgroup(layout, join(opts.cgroupParent, c.podUid, c.id)),
  };
}
