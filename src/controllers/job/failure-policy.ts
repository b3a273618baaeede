// podFailurePolicy evaluation (upstream pkg/controller/job/pod_failure_policy.go): the first rule
// matching a failed pod decides — FailJob fails the Job, Ignore does not count the failure against
// backoffLimit, Count counts it as usual.
import type { PodFailurePolicy } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';

export interface PolicyOutcome {
  action: 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';
  /** Condition message for FailJob, as upstream words it. */
  message: string;
}

export function matchFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PolicyOutcome | undefined {
  const podName = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  for (const [i, rule] of (policy?.rules ?? []).entries()) {
    const action = rule.action as PolicyOutcome['action'];
    const codes = rule.onExitCodes;
    if (codes) {
      for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
        if (codes.containerName && codes.containerName !== cs.name) continue;
        const code = cs.state?.terminated?.exitCode;
        if (code === undefined || code === 0) continue;
        const inValues = codes.values.includes(code);
        if ((codes.operator === 'In') === inValues) {
          return { action, message: `Container ${cs.name} for pod ${podName} failed with exit code ${code} matching ${action} rule at index ${i}` };
        }
      }
      continue;
    }
    for (const pat of rule.onPodConditions ?? []) {
      const hit = (pod.status?.conditions ?? []).find((c) => c.type === pat.type && c.status === (pat.status ?? 'True'));
      if (hit) return { action, message: `Pod ${podName} has condition ${pat.type} matching ${action} rule at index ${i}` };
    }
  }
  return undefined;
}
