// Create throughput and latency of the sqlite backend on a real file (fsync per commit).
// Usage: node --import tsx bench/storage/storage-bench.ts [writes=2000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqliteBackend } from '../../src/storage/index.ts';

const writes = Number(process.argv[2] ?? 2000);
const dir = mkdtempSync(join(tmpdir(), 'peapod-bench-'));
const value = JSON.stringify({ kind: 'Pod', spec: { containers: [{ name: 'c', image: 'nginx' }] }, pad: 'x'.repeat(1000) });

async function run(concurrency: number): Promise<Record<string, string | number>> {
  const backend = await openSqliteBackend({ path: join(dir, `c${concurrency}.sqlite`), compactIntervalMs: 0 });
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < writes) {
      const key = `/registry/pods/default/p${next++}`;
      const start = performance.now();
      const result = await backend.create(key, value);
      latencies.push(performance.now() - start);
      if (!result.ok) throw new Error(`create ${key} failed`);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  await backend.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number): string => (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2);
  return { concurrency, writes, 'writes/s': Math.round(writes / seconds), 'p50 ms': at(0.5), 'p99 ms': at(0.99) };
}

try {
  const rows = [];
  for (const concurrency of [1, 16, 128]) rows.push(await run(concurrency));
  console.table(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
