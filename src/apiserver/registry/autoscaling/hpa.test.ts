import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { KObject } from '../types.ts';
import { hpaV1ToV2, hpaV2ToV1 } from './hpa-conversion.ts';
import { hpaTargets } from './hpa-printer.ts';

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

describe('HPA v1 ⇄ v2 conversion', () => {
  it('maps the CPU target both ways and keeps everything else through annotations', () => {
    const v2: HorizontalPodAutoscaler = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', annotations: { keep: 'me' } },
      spec: {
        scaleTargetRef: ref,
        minReplicas: 2,
        maxReplicas: 9,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 30 } },
      },
      status: {
        currentReplicas: 3,
        desiredReplicas: 4,
        currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 75, averageValue: '75m' } } }],
        conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }],
      },
    };
    const v1 = hpaV2ToV1(v2 as unknown as KObject) as {
      spec: Record<string, unknown>;
      status: Record<string, unknown>;
      metadata: { annotations: Record<string, string> };
    };
    assert.deepEqual(v1.spec, { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 9, targetCPUUtilizationPercentage: 60 });
    assert.deepEqual(v1.status, { currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 75 });
    assert.equal(v1.metadata.annotations.keep, 'me');
    const back = hpaV1ToV2(v1 as unknown as KObject) as unknown as HorizontalPodAutoscaler;
    assert.deepEqual(back.spec?.metrics, v2.spec?.metrics);
    assert.deepEqual(back.spec?.behavior, v2.spec?.behavior);
    assert.deepEqual(back.status?.conditions, v2.status?.conditions);
    assert.deepEqual(back.metadata?.annotations, { keep: 'me' });
  });
});

describe('kubectl get hpa TARGETS', () => {
  const hpa = (
    metrics: NonNullable<HorizontalPodAutoscaler['spec']>['metrics'],
    current?: NonNullable<HorizontalPodAutoscaler['status']>['currentMetrics'],
  ): HorizontalPodAutoscaler => ({ spec: { scaleTargetRef: ref, maxReplicas: 3, metrics }, status: { desiredReplicas: 1, currentMetrics: current } });
  const cpu = (u: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: u } } });

  it('prints current/target per metric as upstream, <unknown> before the first sync', () => {
    assert.equal(hpaTargets(hpa([cpu(50)])), 'cpu: <unknown>/50%');
    assert.equal(hpaTargets(hpa([cpu(50)], [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45 } } }])), 'cpu: 45%/50%');
    assert.equal(
      hpaTargets(hpa([{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }])),
      'memory: <unknown>/100Mi',
    );
    assert.equal(hpaTargets(hpa([cpu(10), cpu(20), cpu(30)])), 'cpu: <unknown>/10%, cpu: <unknown>/20% + 1 more...');
    assert.equal(hpaTargets(hpa([])), '<none>');
  });
});
