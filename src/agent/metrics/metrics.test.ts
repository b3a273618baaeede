import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RateTracker } from './rate-tracker.ts';
import { cgroupUsageSource, detectCgroupLayout, parseNodeReading, readCgroup } from './cgroup-source.ts';
import { createStatsProvider } from './stats-provider.ts';
import { renderResourceMetrics } from './resource-metrics.ts';
import { hollowUsageSource } from './hollow-source.ts';
import type { ContainerRef } from './types.ts';

describe('RateTracker', () => {
  it('turns cumulative nanoseconds into nano-cores over the window between readings', () => {
    const r = new RateTracker();
    // First reading: measured from the start (counter began at 0 there): 1 s of CPU in 4 s = 0.25 cores.
    assert.equal(r.observe('c', 1e9, 14_000, 10_000), 250_000_000);
    // Next 2 s: 2 s of CPU = 1 core.
    assert.equal(r.observe('c', 3e9, 16_000, 10_000), 1e9);
  });

  it('keeps the last rate for readings closer than the minimum window and restarts a counter that went back', () => {
    const r = new RateTracker({ minWindowMs: 1000 });
    r.observe('c', 0, 0, Number.NaN);
    assert.equal(r.observe('c', 5e8, 1000, 0), 5e8);
    assert.equal(r.observe('c', 9e8, 1200, 0), 5e8, 'a 200 ms window is not used');
    assert.equal(r.observe('c', 1e6, 3000, 0), undefined, 'a recreated cgroup has no rate yet');
    assert.equal(r.observe('c', 1e9 + 1e6, 4000, 0), 1e9);
  });
});

describe('cgroup readings', () => {
  const root = mkdtempSync(join(tmpdir(), 'cg-'));
  const write = (path: string, text: string): void => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  it('v1: cpuacct.usage and usage minus total_inactive_file', async () => {
    const v1 = join(root, 'v1');
    write('v1/cpuacct/peapod/pod1/cpuacct.usage', '2500000000\n');
    write('v1/memory/peapod/pod1/memory.usage_in_bytes', '10485760\n');
    write('v1/memory/peapod/pod1/memory.stat', 'cache 4194304\nrss 6291456\ninactive_file 1\ntotal_inactive_file 2097152\ntotal_rss 6291456\n');
    const layout = detectCgroupLayout(v1);
    assert.equal(layout.kind, 'v1');
    const r = await readCgroup(layout, '/peapod/pod1');
    assert.deepEqual(r, { cpuNs: 2.5e9, usageBytes: 10485760, workingSetBytes: 10485760 - 2097152, rssBytes: 6291456 });
    assert.equal(await readCgroup(layout, '/peapod/gone'), undefined);
  });

  it('v2: cpu.stat usage_usec and memory.current minus inactive_file', async () => {
    const v2 = join(root, 'v2');
    write('v2/cgroup.controllers', 'cpu memory\n');
    write('v2/peapod/pod1/c1/cpu.stat', 'usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n');
    write('v2/peapod/pod1/c1/memory.current', '8388608\n');
    write('v2/peapod/pod1/c1/memory.stat', 'anon 4194304\nfile 4194304\ninactive_file 1048576\n');
    const source = cgroupUsageSource({ cgroupParent: '/peapod', layout: detectCgroupLayout(v2) });
    const c: ContainerRef = { id: 'c1', podUid: 'pod1', name: 'main', startedAt: new Date().toISOString(), labels: {} };
    assert.deepEqual(await source.container(c, Date.now()), { cpuNs: 1.5e9, usageBytes: 8388608, workingSetBytes: 8388608 - 1048576, rssBytes: 4194304 });
  });

  it('node: busy jiffies from /proc/stat, working set from /proc/meminfo', () => {
    const stat = 'cpu  1000 10 500 90000 300 20 30 40 0 0\ncpu0 1 2 3 4\n';
    const meminfo = 'MemTotal:       8000000 kB\nMemFree:        2000000 kB\nMemAvailable:   5000000 kB\nInactive(file):  1000000 kB\n';
    const r = parseNodeReading(stat, meminfo)!;
    assert.equal(r.cpuNs, ((1000 + 10 + 500 + 20 + 30 + 40) / 100) * 1e9);
    assert.equal(r.usageBytes, 6000000 * 1024);
    assert.equal(r.workingSetBytes, 5000000 * 1024);
    assert.equal(r.availableBytes, 5000000 * 1024);
  });

  it('cleans up', () => rmSync(root, { recursive: true, force: true }));
});

describe('stats provider and /metrics/resource', () => {
  it('reports hollow usage as a summary with rates and as kubelet metric families', async () => {
    let now = Date.parse('2026-01-01T00:00:10Z');
    const containers: ContainerRef[] = [
      {
        id: 'a',
        podUid: 'u1',
        name: 'web',
        startedAt: '2026-01-01T00:00:00Z',
        labels: { 'peapod.dev/hollow-cpu-millicores': '200', 'peapod.dev/hollow-memory-bytes': '1048576' },
      },
    ];
    const list = async () => containers;
    const provider = createStatsProvider({
      nodeName: 'n1',
      source: hollowUsageSource({ containers: list, startMs: Date.parse('2026-01-01T00:00:00Z') }),
      pods: async () => [{ uid: 'u1', name: 'web-1', namespace: 'default', createdAt: '2026-01-01T00:00:00Z' }],
      containers: list,
      now: () => now,
      nodeStartMs: Date.parse('2026-01-01T00:00:00Z'),
    });
    const s = await provider.summary();
    const pod = s.pods[0]!;
    assert.equal(pod.podRef.name, 'web-1');
    assert.equal(pod.containers[0]!.cpu.usageNanoCores, 200_000_000);
    assert.equal(pod.containers[0]!.cpu.usageCoreNanoSeconds, 2e9);
    assert.equal(pod.containers[0]!.memory.workingSetBytes, 1048576);
    assert.equal(s.node.cpu!.usageNanoCores, 250_000_000, 'node = 50m base + the pod');
    now += 5000;
    const text = renderResourceMetrics(await provider.summary());
    assert.match(text, /^# TYPE container_cpu_usage_seconds_total counter$/m);
    assert.match(text, /^container_cpu_usage_seconds_total\{container="web",namespace="default",pod="web-1"\} 3 1767225615000$/m);
    assert.match(text, /^container_memory_working_set_bytes\{container="web",namespace="default",pod="web-1"\} 1048576 /m);
    assert.match(text, /^pod_cpu_usage_seconds_total\{namespace="default",pod="web-1"\} 3 /m);
    assert.match(text, /^node_cpu_usage_seconds_total 3\.75 /m);
    assert.match(text, /^node_memory_working_set_bytes \d+ /m);
    assert.match(text, /^resource_scrape_error 0$/m);
  });
});
