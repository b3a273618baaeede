/**
 * Micro benchmark (not a test): 10,000 pods on 1,000 nodes through the pure scheduler with an
 * instant host. Prints pods/s. Run: node --import tsx src/scheduler/bench-micro.ts [pods] [nodes]
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createScheduler, type SchedulerHost } from './scheduler.ts';
import { makeNode, makePod } from './testing/fixtures.ts';

const pods = Number(process.argv[2] ?? 10_000);
const nodes = Number(process.argv[3] ?? 1_000);
let bound = 0;
const host: SchedulerHost = {
  bind: async () => {
    bound++;
  },
  recordEvent: () => {},
  updatePodCondition: async () => {},
  deletePod: async () => {},
};
const s = createScheduler({ host });
for (let i = 0; i < nodes; i++) {
  s.addNode(makeNode(`node-${i}`, { cpu: '32', memory: '128Gi', labels: { 'topology.kubernetes.io/zone': `zone-${i % 3}` } }));
}
const list: Pod[] = [];
for (let i = 0; i < pods; i++) list.push(makePod(`pod-${i}`, { cpu: '100m', memory: '128Mi' }));

const t0 = performance.now();
for (const p of list) s.addPod(p);
const t1 = performance.now();
const lat: number[] = [];
for (;;) {
  const a = performance.now();
  if (!s.scheduleOne()) break;
  lat.push(performance.now() - a);
}
await s.settled();
const t2 = performance.now();
lat.sort((a, b) => a - b);
const q = (p: number): string => (lat[Math.floor(p * (lat.length - 1))] ?? 0).toFixed(3);
console.log(`pods=${pods} nodes=${nodes} bound=${bound}`);
console.log(`enqueue: ${(t1 - t0).toFixed(0)} ms; schedule+bind: ${(t2 - t1).toFixed(0)} ms`);
console.log(`throughput: ${Math.round((bound / (t2 - t1)) * 1000)} pods/s; cycle p50=${q(0.5)} ms p99=${q(0.99)} ms`);
