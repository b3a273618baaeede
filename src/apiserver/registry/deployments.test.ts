import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gcFinalizers } from '../store/generic-store.ts';
import { deployments } from './deployments.ts';
import { replicasets } from './replicasets.ts';
import type { KObject } from './types.ts';

const ctx = { now: () => new Date('2026-01-01T00:10:00Z') };

function deployment(spec: Record<string, unknown> = {}): KObject {
  return {
    metadata: { name: 'web', namespace: 'd' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
  };
}

describe('apps/v1 entries', () => {
  it('defaults a Deployment as upstream, template pods without admission-only fields', () => {
    const d = deployment();
    deployments.defaults!(d);
    const spec = d.spec as Record<string, unknown> & { template: { spec: Record<string, unknown> } };
    assert.equal(spec.replicas, 1);
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(spec.template.spec.restartPolicy, 'Always');
    assert.equal(spec.template.spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.template.spec.serviceAccountName, undefined);
    assert.equal(spec.template.spec.tolerations, undefined);
    assert.deepEqual(deployments.validate!(d), []);
  });

  it('rejects a selector that does not select the template, with upstream wording', () => {
    const d = deployment({ template: { metadata: { labels: { app: 'other', tier: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } });
    deployments.defaults!(d);
    const errs = deployments.validate!(d).map(String);
    assert.deepEqual(errs, [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other", "tier":"x"}: `selector` does not match template `labels`',
    ]);
  });

  it('validates replicas and the rolling update parameters', () => {
    const d = deployment({ replicas: -1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } });
    deployments.defaults!(d);
    assert.deepEqual(deployments.validate!(d).map(String), [
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0',
    ]);
    const r = deployment({ strategy: { type: 'Recreate', rollingUpdate: {} } });
    deployments.defaults!(r);
    assert.deepEqual(deployments.validate!(r).map(String), ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]);
  });

  it('prints READY UP-TO-DATE AVAILABLE and DESIRED CURRENT READY rows', () => {
    const d = { ...deployment({ replicas: 3 }), status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } };
    d.metadata!.creationTimestamp = '2026-01-01T00:00:00Z';
    assert.deepEqual(deployments.row(d, ctx), ['2/3', 3, 2, '10m', 'c', 'busybox', 'app=web']);
    const rs = { ...deployment({ replicas: 3 }), status: { replicas: 3, readyReplicas: 1 } };
    rs.metadata!.creationTimestamp = '2026-01-01T00:00:00Z';
    assert.deepEqual(replicasets.row(rs, ctx), [3, 3, 1, '10m', 'c', 'busybox', 'app=web']);
  });

  it('maps propagation policies to GC finalizers', () => {
    assert.deepEqual(gcFinalizers(['a'], { propagationPolicy: 'Foreground' }), ['a', 'foregroundDeletion']);
    assert.deepEqual(gcFinalizers(['foregroundDeletion'], { propagationPolicy: 'Orphan' }), ['orphan']);
    assert.deepEqual(gcFinalizers(['orphan', 'a'], { propagationPolicy: 'Background' }), ['a']);
    assert.deepEqual(gcFinalizers(['orphan'], {}), ['orphan']);
    assert.deepEqual(gcFinalizers([], { orphanDependents: true }), ['orphan']);
  });
});
