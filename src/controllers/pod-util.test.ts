import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { compareForDeletion, isPodAvailable } from './pod-util.ts';

const pod = (name: string, o: { node?: string; phase?: string; ready?: boolean; readySince?: string; created?: string } = {}): Pod => ({
  metadata: { name, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z' },
  spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
  status: {
    phase: o.phase ?? 'Running',
    conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: o.readySince ?? '2026-01-01T00:00:00Z' }],
  },
});

describe('pod ranking for deletion', () => {
  it('deletes unscheduled, then pending, then not-ready, then newer pods first', () => {
    const pods = [
      pod('old-ready', { node: 'n' }),
      pod('new-ready', { node: 'n', created: '2026-01-02T00:00:00Z' }),
      pod('not-ready', { node: 'n', ready: false }),
      pod('pending', { node: 'n', phase: 'Pending', ready: false }),
      pod('unscheduled', { phase: 'Pending', ready: false }),
    ];
    const order = [...pods].sort((a, b) => compareForDeletion(a, b)).map((p) => p.metadata?.name);
    assert.deepEqual(order, ['unscheduled', 'pending', 'not-ready', 'new-ready', 'old-ready']);
  });

  it('counts a pod available only after minReadySeconds of readiness', () => {
    const p = pod('p', { readySince: '2026-01-01T00:00:00Z' });
    const t = Date.parse('2026-01-01T00:00:05Z');
    assert.equal(isPodAvailable(p, 10, t), false);
    assert.equal(isPodAvailable(p, 5, t), true);
    assert.equal(isPodAvailable(p, 0, t), true);
  });
});
