// Probe (not a figure-producing bench): an API-only server with N pods, then 5 LISTs of all pods,
// each with a PATCH loop beside it; prints each LIST's latency and the PATCH latencies during it
// (a long PATCH = the server's loop was held). PROF_DIR=dir adds --cpu-prof to the server.
// Usage: npx tsx bench/api/list-probe.ts [N=5000]   (bench/README.md, "LIST from shared encoded objects")
import { ApiClient } from '../lib/https-client.ts';
import { launchServer } from '../lib/server-process.ts';
import { podManifest } from './api-objects.ts';

const N = Number(process.argv[2] ?? 5000);
const nodeArgs = process.env.PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROF_DIR] : [];
const server = await launchServer({ args: ['--disable', 'scheduler,controller-manager,agent'], nodeArgs });
const api = new ApiClient({ url: server.url, token: server.token, caPem: server.caPem, maxSockets: 64 });
try {
  await api.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } } });
  await api.request('POST', '/api/v1/namespaces/bench/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w' } } });
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < N) {
        const i = next++;
        const r = await api.request('POST', '/api/v1/namespaces/bench/pods', { body: podManifest(`p-${i}`, 'bench') });
        if (r.status !== 201) throw new Error(r.body);
      }
    }),
  );
  for (let rep = 0; rep < 5; rep++) {
    let stop = false;
    const writeLat: number[] = [];
    const writer = (async () => {
      let j = 0;
      while (!stop) {
        const s = performance.now();
        const r = await api.request('PATCH', `/api/v1/namespaces/bench/configmaps/w`, {
          body: { data: { j: String(j++) } },
          contentType: 'application/merge-patch+json',
        });
        if (r.status !== 200) throw new Error(r.body);
        writeLat.push(performance.now() - s);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    const s = performance.now();
    const r = await api.request('GET', '/api/v1/pods');
    const t = performance.now() - s;
    stop = true;
    await writer;
    const items = (JSON.parse(r.body) as { items: unknown[] }).items.length;
    writeLat.sort((a, b) => a - b);
    console.log(
      `LIST ${items} pods: ${t.toFixed(0)} ms, ${(r.body.length / 1e6).toFixed(1)} MB; writes during: n=${writeLat.length} max ${writeLat.at(-1)?.toFixed(0)} ms p50 ${writeLat[writeLat.length >> 1]?.toFixed(1)} ms`,
    );
  }
} finally {
  await server.stop(30_000);
}
