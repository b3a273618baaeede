import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { planSlices, type DesiredGroup } from './slice-plan.ts';
import { portsKey } from './pod-endpoints.ts';

const PORTS = [{ name: '', port: 8080, protocol: 'TCP' }];
const ep = (i: number, ready = true): Endpoint => ({
  addresses: [`10.0.${i >> 8}.${i & 255}`],
  conditions: { ready },
  targetRef: { kind: 'Pod', uid: `u${i}` },
});
const group = (ids: number[], ready = true): Map<string, DesiredGroup> =>
  new Map([[portsKey(PORTS), { ports: PORTS, endpoints: new Map(ids.map((i) => [`u${i}`, ep(i, ready)])) }]]);
const slice = (name: string, ids: number[]): EndpointSlice => ({ addressType: 'IPv4', metadata: { name }, ports: PORTS, endpoints: ids.map((i) => ep(i)) });
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

test('250 new endpoints make three slices of at most 100', () => {
  const plan = planSlices(group(range(0, 250)), []);
  assert.deepEqual(
    plan.create.map((c) => c.endpoints.length),
    [100, 100, 50],
  );
});

test('unchanged slices are not written; a changed endpoint rewrites only its slice', () => {
  const existing = [slice('a', range(0, 100)), slice('b', range(100, 150))];
  assert.deepEqual(planSlices(group(range(0, 150)), existing), { create: [], update: [], delete: [] });
  const desired = group(range(0, 150));
  desired.get(portsKey(PORTS))!.endpoints.set('u120', ep(120, false));
  const plan = planSlices(desired, existing);
  assert.deepEqual(
    plan.update.map((s) => s.metadata?.name),
    ['b'],
  );
  assert.equal(plan.update[0]!.endpoints.find((e) => e.targetRef?.uid === 'u120')?.conditions?.ready, false);
});

test('new endpoints fill slices with room; emptied slices go; no endpoints leave one placeholder', () => {
  const plan = planSlices(group([...range(0, 100), ...range(100, 130)]), [slice('a', range(0, 100)), slice('b', range(100, 110))]);
  assert.deepEqual(
    plan.update.map((s) => [s.metadata?.name, s.endpoints.length]),
    [['b', 30]],
  );
  assert.equal(plan.create.length, 0);
  const gone = planSlices(group(range(0, 100)), [slice('a', range(0, 100)), slice('b', range(100, 110))]);
  assert.deepEqual(
    gone.delete.map((s) => s.metadata?.name),
    ['b'],
  );
  const empty = planSlices(new Map(), [slice('a', range(0, 3))]);
  assert.deepEqual(empty.create, [{ ports: [], endpoints: [] }]);
  assert.deepEqual(
    empty.delete.map((s) => s.metadata?.name),
    ['a'],
  );
});
