// What the HPA tests (integration with hollow nodes, e2e with real containers) share: the
// autoscaler they apply and how they read its rescale events, as a user would with kubectl.
import { eventually, kubectlOk, type KubectlTarget } from './harness.ts';

/** An autoscaling/v2 HPA keeping Deployment `name` at 50 % CPU utilization with 1–3 replicas. */
export function cpuHpa(name: string, opts: { scaleDownWindowSeconds: number }): string {
  return JSON.stringify({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: opts.scaleDownWindowSeconds } },
    },
  });
}

/** The messages of every SuccessfulRescale event of an HPA, one per line (`kubectl get events`). */
export function rescaleMessages(server: KubectlTarget): Promise<string> {
  return kubectlOk(server, [
    'get',
    'events',
    '--field-selector',
    'involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale',
    '-o',
    'jsonpath={range .items[*]}{.message}{"\\n"}{end}',
  ]);
}

/**
 * Waits until a SuccessfulRescale message matches `pattern`: the controller's event recorder writes
 * it shortly after the scale itself, so a user reading events at once may not see it yet.
 */
export function rescaleEvent(server: KubectlTarget, pattern: RegExp): Promise<string> {
  return eventually(`a SuccessfulRescale event matching ${pattern}`, async () => {
    const messages = await rescaleMessages(server);
    return pattern.test(messages) ? messages : undefined;
  });
}
