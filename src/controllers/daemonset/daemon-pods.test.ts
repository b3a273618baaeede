import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, PodSpec } from 'kubernetes-types/core/v1.js';
import { daemonTolerations, newDaemonPod, placement, targetNode } from './daemon-pods.ts';

const node = (
  name: string,
  labels: Record<string, string> = {},
  taints: Node['spec'] extends infer S ? (S extends { taints?: infer T } ? T : never) : never = [],
): Node => ({
  metadata: { name, labels },
  spec: { taints },
});
const ds = (spec: Partial<PodSpec> = {}): DaemonSet => ({
  metadata: { name: 'd', namespace: 'ns', uid: 'u1', generation: 2 },
  spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } } },
});

test('placement: nodeSelector, required affinity and taints', () => {
  assert.deepEqual(placement(ds(), node('n1')), { shouldRun: true, shouldContinueRunning: true });
  assert.equal(placement(ds({ nodeSelector: { disk: 'ssd' } }), node('n1')).shouldRun, false);
  assert.equal(placement(ds({ nodeSelector: { disk: 'ssd' } }), node('n1', { disk: 'ssd' })).shouldRun, true);
  const aff = ds({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
      },
    },
  });
  assert.equal(placement(aff, node('n1', { zone: 'b' })).shouldRun, false);
  assert.equal(placement(aff, node('n1', { zone: 'a' })).shouldRun, true);
  // NoSchedule: no new pod, an existing one stays; NoExecute: neither.
  assert.deepEqual(placement(ds(), node('n1', {}, [{ key: 'k', effect: 'NoSchedule' }])), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(placement(ds(), node('n1', {}, [{ key: 'k', effect: 'NoExecute' }])), { shouldRun: false, shouldContinueRunning: false });
  // Daemon tolerations cover cordoned and unreachable nodes.
  assert.equal(
    placement(
      ds(),
      node('n1', {}, [
        { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
      ]),
    ).shouldRun,
    true,
  );
  assert.equal(placement(ds({ tolerations: [{ key: 'k', operator: 'Exists' }] }), node('n1', {}, [{ key: 'k', effect: 'NoExecute' }])).shouldRun, true);
});

test('daemon pods are pinned by matchFields affinity and carry the daemon tolerations', () => {
  const p = newDaemonPod(
    ds({
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }] } },
      },
    }),
    { nodeName: 'n7', template: ds().spec!.template, hash: 'h1' },
  );
  assert.equal(targetNode(p), 'n7');
  assert.equal(p.spec?.nodeName, undefined);
  assert.equal(p.metadata?.generateName, 'd-');
  assert.equal(p.metadata?.labels?.['controller-revision-hash'], 'h1');
  assert.equal(p.metadata?.ownerReferences?.[0]?.kind, 'DaemonSet');
  const tol = daemonTolerations({
    containers: [],
    hostNetwork: true,
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }],
  });
  assert.equal(tol.length, 7);
  assert.equal(tol.find((t) => t.key === 'node.kubernetes.io/not-ready')?.tolerationSeconds, undefined);
});
